// One job: its status timeline, its flowchart with live unit statuses, its material in 3D, its
// results (scalars, the SCF convergence growing live, band structure, DOS, phonons), its files,
// and the live tail of the running unit's output.

import { del, get, post } from "../api.js";
import { follow } from "../events.js";
import * as flowchart from "../flowchart.js";
import { IN_FLIGHT, isFinal, timeline } from "../format.js";
import { PLOTTED, draw, propertySeries, scfSeries } from "../plots.js";
import { showStructure } from "../structure.js";

const TAIL_LINES = 400;
const VIEW_LIMIT = 2 * 1024 * 1024;

// The SCF cycles from live events: a new cycle where the iteration count starts again.
export function addIteration(cycles, data, unitName) {
  const key = `${data.unitId}|${data.file ?? ""}`;
  let cycle = cycles.findLast((each) => each.key === key);
  if (!cycle || data.iteration <= cycle.accuracies.length) {
    const count = cycles.filter((each) => each.key === key).length;
    // Named by its output file: what a person finds in Files.
    const name = data.file ? data.file.replace(/\.out$/, "") : unitName || "scf";
    cycle = { key, label: `${name}${count ? ` (${count + 1})` : ""}`, accuracies: [], energies: [] };
    cycles.push(cycle);
  }
  cycle.accuracies[data.iteration - 1] = data.accuracy;
  cycle.energies[data.iteration - 1] = data.energy;
  return cycles;
}

// The SCF cycles from the stored convergence_electronic properties (a finished unit's).
export function cyclesFromProperties(properties, unitNames) {
  const cycles = [];
  for (const property of properties) {
    if (property.data?.name !== "convergence_electronic") continue;
    const unit = unitNames[property.source?.info?.unitId] || "scf";
    (property.data.data || []).forEach((accuracies, index, all) => {
      cycles.push({ key: unit, label: all.length > 1 ? `${unit} (${index + 1})` : unit, accuracies, energies: [] });
    });
  }
  return cycles;
}

function unitsOf(workflow) {
  return (workflow?.subworkflows || []).flatMap((sub) => sub.units || []);
}

export function jobPage() {
  // Outside Alpine's reactive state: charts and streams break when proxied.
  const live = { stream: null, charts: [], scfChart: null };
  return {
    id: "",
    job: null,
    material: null,
    properties: [],
    files: [],
    statuses: {},
    cycles: [],
    liveCycles: false,
    outputs: {}, // file name -> its last lines
    outputFile: "",
    pinnedOutput: false,
    tab: "results",
    showInternal: false,
    viewing: null,
    error: "",
    notice: "",
    shape: null,

    async init() {
      this.id = this.$store.route.params.id;
      this.tab = this.$store.route.query.tab || "results";
      try {
        await this.loadJob();
      } catch (error) {
        this.error = error.message;
        return;
      }
      this.loadMaterial();
      await this.loadResults();
      if (!isFinal(this.job.status)) this.watch();
    },
    destroy() {
      live.stream?.close();
      for (const chart of live.charts) chart.destroy();
      live.scfChart?.then((chart) => chart.destroy());
    },

    get steps() {
      return timeline(this.job?.statusTrack);
    },
    get flowchartSvg() {
      return this.shape ? flowchart.svg(this.shape, this.statuses) : "";
    },
    get unitNames() {
      return Object.fromEntries(unitsOf(this.job?.workflow).map((unit) => [unit.flowchartId, unit.name]));
    },
    get scalars() {
      const rows = [];
      for (const property of this.properties) {
        const data = property.data || {};
        const unit = this.unitNames[property.source?.info?.unitId] || "";
        if (typeof data.value === "number") {
          rows.push({ id: property._id, name: data.name, value: data.value, units: data.units || "", unit, repetition: property.repetition });
        } else if (data.name === "band_gaps") {
          for (const gap of data.values || []) {
            rows.push({ id: `${property._id}-${gap.type}`, name: `band gap (${gap.type})`, value: gap.value, units: gap.units || "", unit, repetition: property.repetition });
          }
        }
      }
      return rows;
    },
    get plotted() {
      return this.properties.filter((property) => PLOTTED.includes(property.data?.name));
    },
    get others() {
      const shown = new Set([...PLOTTED, "band_gaps", "convergence_electronic"]);
      return this.properties.filter((property) => typeof property.data?.value !== "number" && !shown.has(property.data?.name));
    },
    get shownFiles() {
      return this.files.filter((file) => this.showInternal || !(file.key.startsWith(".matjobs/") || file.key.startsWith("outdir/")));
    },
    get running() {
      return this.job && IN_FLIGHT.has(this.job.status);
    },

    async loadJob() {
      this.job = await get(`/jobs/${this.id}`);
      this.statuses = Object.fromEntries(unitsOf(this.job.workflow).map((unit) => [unit.flowchartId, unit.status || "idle"]));
      this.shape = this.job.workflow ? flowchart.layout(this.job.workflow) : null;
    },
    async loadMaterial() {
      const id = this.job?._material?._id;
      if (!id) return;
      try {
        this.material = await get(`/materials/${id}`);
        await this.$nextTick();
        await showStructure(this.$refs.structure, this.material);
      } catch (error) {
        this.material = null;
        this.notice = `material: ${error.message}`;
      }
    },
    async loadResults() {
      const [properties, files] = await Promise.all([
        get(`/jobs/${this.id}/properties`).catch(() => []),
        get(`/jobs/${this.id}/files`).catch(() => []),
      ]);
      this.properties = properties;
      this.files = files.sort((a, b) => a.key.localeCompare(b.key));
      if (!this.liveCycles) this.cycles = cyclesFromProperties(properties, this.unitNames);
      await this.$nextTick();
      await this.drawScf();
    },

    watch() {
      live.stream = follow(
        `/jobs/${this.id}/events`,
        {
          "job.status": (data) => this.onJobStatus(data),
          "unit.status": (data) => {
            this.statuses = { ...this.statuses, [data.unitId]: data.status };
          },
          "scf.iteration": (data) => {
            this.liveCycles = true;
            addIteration(this.cycles, data, this.unitNames[data.unitId]);
            this.drawScf();
          },
          output: (data) => this.addOutput(data.file, data.lines, false),
        },
        { from: 0, query: { output: "true" }, poll: () => this.poll(), every: 3000 },
      );
    },
    async onJobStatus(data) {
      if (!this.job || data.jobId !== this.id) return;
      this.job.status = data.status;
      if (isFinal(data.status)) {
        this.stop();
        await this.loadJob();
        await this.loadResults();
      }
    },
    // While the stream is down: the job's document, and the tail of its newest output file.
    async poll() {
      try {
        await this.loadJob();
        const files = await get(`/jobs/${this.id}/files`);
        this.files = files.sort((a, b) => a.key.localeCompare(b.key));
        const outputs = files.filter((file) => file.key.endsWith(".out") && !file.key.includes("/"));
        outputs.sort((a, b) => String(b.lastModified).localeCompare(String(a.lastModified)));
        if (outputs[0]) {
          const text = await (await fetch(outputs[0].signedUrl)).text();
          this.addOutput(outputs[0].key, text.split("\n"), true);
        }
        if (isFinal(this.job.status)) {
          this.stop();
          await this.loadResults();
        }
      } catch (error) {
        this.notice = error.message;
      }
    },
    stop() {
      live.stream?.close();
      live.stream = null;
    },
    get outputFiles() {
      return Object.keys(this.outputs).sort();
    },
    get output() {
      return this.outputs[this.outputFile] || [];
    },
    // The tail follows the file that grew last, unless the user picked one.
    addOutput(file, lines, replace) {
      const kept = replace ? lines : [...(this.outputs[file] || []), ...lines];
      this.outputs = { ...this.outputs, [file]: kept.slice(-TAIL_LINES) };
      if (!this.pinnedOutput) this.outputFile = file;
      this.scrollOutput();
    },
    pickOutput(file) {
      this.outputFile = file;
      this.pinnedOutput = true;
      this.scrollOutput();
    },
    scrollOutput() {
      this.$nextTick(() => {
        const pre = this.$refs.output;
        if (pre) pre.scrollTop = pre.scrollHeight;
      });
    },

    async drawScf() {
      const canvas = this.$refs.scf;
      if (!canvas || this.cycles.length === 0) return;
      // One chart, made once; later calls (events arrive while it loads) only change its data.
      live.scfChart ??= draw(canvas, { datasets: [], xLabel: "iteration", yLabel: "estimated scf accuracy (eV)", logY: true, integerX: true });
      const chart = await live.scfChart;
      chart.data.datasets = scfSeries(this.cycles);
      chart.update("none");
    },
    async plot(canvas, property) {
      live.charts.push(await draw(canvas, propertySeries(property.data)));
    },

    async view(file) {
      if (file.size > VIEW_LIMIT) {
        this.viewing = { key: file.key, text: `${file.key} is larger than ${VIEW_LIMIT / 1048576} MiB: download it instead.` };
        return;
      }
      const response = await fetch(file.signedUrl);
      const text = await response.text();
      this.viewing = { key: file.key, text: /[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 4096)) ? "(a binary file: download it)" : text };
      await this.$nextTick();
      this.$refs.viewer?.scrollIntoView({ block: "nearest" });
    },

    async act(action) {
      this.error = "";
      try {
        if (action === "submit") await post(`/jobs/${this.id}`, undefined, { submit: true });
        if (action === "terminate") {
          if (!confirm(`Terminate ${this.job.name}?`)) return;
          await post(`/jobs/${this.id}/terminate`);
        }
        if (action === "copy") {
          const copied = await post(`/jobs/${this.id}/copy`);
          location.hash = `#/jobs/${copied._id}`;
          return;
        }
        if (action === "delete") {
          if (!confirm(`Delete ${this.job.name}?`)) return;
          await del(`/jobs/${this.id}`);
          location.hash = "#/jobs";
          return;
        }
        await this.loadJob();
        if (!isFinal(this.job.status) && !live.stream) this.watch();
      } catch (error) {
        this.error = `${action}: ${error.message}`;
      }
    },
  };
}
