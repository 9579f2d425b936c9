// A new job: a material (own, the bank's, or a POSCAR/CIF upload), a workflow (own or the bank's),
// the cluster and queue, cores, time limit and k-points; created, and submitted if asked.

import { get, post } from "../api.js";

export function formatOf(fileName) {
  return /\.cif$/i.test(fileName) ? "cif" : "poscar";
}

// The job's body as the API takes it; k-points only where the user gave all three.
export function jobBody(form, materialId, workflowId) {
  const body = {
    name: form.name.trim() || "New job",
    _material: { _id: materialId },
    workflow: { _id: workflowId },
    compute: {
      cluster: { fqdn: form.cluster },
      queue: form.queue,
      nodes: 1,
      ppn: Number(form.cores) || 1,
      timeLimit: form.timeLimit,
    },
  };
  const grid = [form.kx, form.ky, form.kz].map((value) => Number(value));
  if (grid.every((value) => Number.isInteger(value) && value > 0)) {
    body.model = { method: { precision: { kpoints: { value: { x: grid[0], y: grid[1], z: grid[2] } } } } };
  }
  return body;
}

export function newJobPage() {
  return {
    form: {
      name: `New job ${new Date().toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}`,
      materialSource: "own",
      material: "",
      bankMaterial: "",
      uploadName: "",
      workflowSource: "own",
      workflow: "",
      bankWorkflow: "",
      cluster: "",
      queue: "",
      cores: 1,
      timeLimit: "01:00:00",
      kx: "",
      ky: "",
      kz: "",
    },
    materials: [],
    bankMaterials: [],
    workflows: [],
    bankWorkflows: [],
    clusters: [],
    upload: null,
    busy: false,
    error: "",
    step: "",

    async init() {
      try {
        const fields = { name: 1, formula: 1, isDefault: 1 };
        const [materials, workflows, clusters] = await Promise.all([
          get("/materials", { projection: { limit: 500, fields } }),
          get("/workflows", { projection: { limit: 500, fields: { name: 1, isDefault: 1, "application.name": 1 } } }),
          get("/clusters"),
        ]);
        this.materials = materials;
        this.workflows = workflows;
        this.clusters = clusters;
        this.form.material = (materials.find((m) => m.isDefault) || materials[0])?._id || "";
        this.form.workflow = (workflows.find((w) => w.isDefault) || workflows[0])?._id || "";
        const cluster = clusters.find((c) => c.isDefault) || clusters[0];
        if (cluster) this.pickCluster(cluster.fqdn);
      } catch (error) {
        this.error = error.message;
      }
      get("/bank-materials", { projection: { limit: 500, fields: { name: 1, formula: 1 }, sort: { name: 1 } } })
        .then((found) => (this.bankMaterials = found))
        .catch(() => {});
      get("/bank-workflows", { projection: { limit: 500, fields: { name: 1, "application.name": 1 }, sort: { name: 1 } } })
        .then((found) => (this.bankWorkflows = found))
        .catch(() => {});
    },

    get queues() {
      return this.clusters.find((cluster) => cluster.fqdn === this.form.cluster)?.queues || [];
    },
    get queue() {
      return this.queues.find((queue) => queue.name === this.form.queue);
    },
    pickCluster(fqdn) {
      this.form.cluster = fqdn;
      const queue = this.queues.find((each) => each.name === "D") || this.queues[0];
      if (queue) this.pickQueue(queue.name);
    },
    pickQueue(name) {
      this.form.queue = name;
      if (this.queue?.timeLimit) this.form.timeLimit = this.queue.timeLimit;
    },
    chooseFile(event) {
      this.upload = event.target.files[0] || null;
      if (this.upload && !this.form.uploadName) this.form.uploadName = this.upload.name.replace(/\.[^.]+$/, "");
    },

    async materialId() {
      if (this.form.materialSource === "own") return this.form.material;
      if (this.form.materialSource === "bank") {
        if (!this.form.bankMaterial) throw new Error("pick a material of the bank");
        this.step = "copying the bank's material";
        return (await post(`/bank-materials/${this.form.bankMaterial}/copy`))._id;
      }
      if (!this.upload) throw new Error("choose a POSCAR or CIF file");
      this.step = "importing the structure";
      const content = await this.upload.text();
      const name = this.form.uploadName.trim() || this.upload.name;
      return (await post("/materials/import", { name, content, format: formatOf(this.upload.name) }))._id;
    },
    async workflowId() {
      if (this.form.workflowSource === "own") return this.form.workflow;
      if (!this.form.bankWorkflow) throw new Error("pick a workflow of the bank");
      this.step = "copying the bank's workflow";
      return (await post(`/bank-workflows/${this.form.bankWorkflow}/copy`))._id;
    },

    async create(submit) {
      this.busy = true;
      this.error = "";
      try {
        const material = await this.materialId();
        if (!material) throw new Error("pick a material");
        const workflow = await this.workflowId();
        if (!workflow) throw new Error("pick a workflow");
        this.step = "creating the job";
        const job = await post("/jobs", jobBody(this.form, material, workflow));
        if (submit) {
          this.step = "submitting";
          await post(`/jobs/${job._id}`, undefined, { submit: true });
        }
        location.hash = `#/jobs/${job._id}`;
      } catch (error) {
        this.error = error.message;
      } finally {
        this.busy = false;
        this.step = "";
      }
    },
  };
}
