// The jobs list: filters, paging, live status badges, and each job's actions.

import { del, get, post } from "../api.js";
import { follow } from "../events.js";
import { IN_FLIGHT, STATUSES, literal } from "../format.js";

const PAGE_SIZE = 20;
const FIELDS = {
  name: 1,
  status: 1,
  createdAt: 1,
  "compute.cluster.fqdn": 1,
  "compute.queue": 1,
  "compute.ppn": 1,
  "_project._id": 1,
  "workflow.name": 1,
};

// The user's filters as one selector (null: every job).
export function selector({ status, project, query, text }) {
  const parts = [];
  if (query && query.trim()) {
    let typed;
    try {
      typed = JSON.parse(query);
    } catch (error) {
      throw new Error(`the query is not JSON: ${error.message}`);
    }
    if (typeof typed !== "object" || typed === null || Array.isArray(typed)) throw new Error("the query must be a JSON object");
    parts.push(typed);
  }
  if (status) parts.push({ status });
  if (project) parts.push({ "_project._id": project });
  if (text && text.trim()) parts.push({ name: { $regex: literal(text.trim()), $options: "i" } });
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : { $and: parts };
}

export function jobsPage() {
  let stream = null; // outside Alpine's reactive state
  return {
    jobs: [],
    more: false,
    page: 0,
    loading: true,
    error: "",
    notice: "",
    filters: { status: "", project: "", query: "", text: "" },
    projects: [],
    statuses: STATUSES,
    reloadTimer: null,

    init() {
      const query = this.$store.route.query;
      for (const name of Object.keys(this.filters)) this.filters[name] = query[name] || "";
      this.page = Number(query.page || 0);
      this.load();
      get("/projects", { projection: { limit: 100, fields: { name: 1 } } })
        .then((projects) => (this.projects = projects))
        .catch(() => {});
      stream = follow(
        "/jobs/events",
        { "job.status": (data) => this.onStatus(data) },
        { poll: () => this.load(true), onOpen: () => this.load(true) },
      );
    },
    destroy() {
      stream?.close();
      clearTimeout(this.reloadTimer);
    },

    apply() {
      this.page = 0;
      this.load();
    },
    turn(delta) {
      this.page = Math.max(0, this.page + delta);
      this.load();
    },
    remember() {
      const query = new URLSearchParams(Object.entries({ ...this.filters, page: this.page || "" }).filter(([, v]) => v));
      const search = query.toString();
      history.replaceState(null, "", `#/jobs${search ? `?${search}` : ""}`);
    },

    async load(quiet = false) {
      if (!quiet) this.loading = true;
      try {
        const query = selector(this.filters);
        const found = await get("/jobs", {
          query: query ?? undefined,
          projection: { limit: PAGE_SIZE + 1, skip: this.page * PAGE_SIZE, sort: { createdAt: -1 }, fields: FIELDS },
        });
        this.more = found.length > PAGE_SIZE;
        this.jobs = found.slice(0, PAGE_SIZE);
        this.error = "";
        if (!quiet) this.remember();
      } catch (error) {
        if (!quiet) this.jobs = [];
        this.error = error.message;
      } finally {
        this.loading = false;
      }
    },

    onStatus(data) {
      const row = this.jobs.find((job) => job._id === data.jobId);
      if (row) {
        row.status = data.status;
        return;
      }
      // A job made elsewhere shows up on the first page, once things have settled.
      if (this.page === 0 && data.previous === null) {
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.load(true), 300);
      }
    },

    canSubmit: (job) => job.status === "pre-submission",
    canTerminate: (job) => IN_FLIGHT.has(job.status) && job.status !== "terminate-queued",

    async act(job, action) {
      this.notice = "";
      this.error = "";
      try {
        if (action === "submit") {
          Object.assign(job, { status: (await post(`/jobs/${job._id}`, undefined, { submit: true })).status });
        } else if (action === "terminate") {
          if (!confirm(`Terminate ${job.name}?`)) return;
          Object.assign(job, { status: (await post(`/jobs/${job._id}/terminate`)).status });
        } else if (action === "copy") {
          const copied = await post(`/jobs/${job._id}/copy`);
          this.notice = `Copied as ${copied.name}`;
          await this.load(true);
        } else if (action === "delete") {
          if (!confirm(`Delete ${job.name}?`)) return;
          await del(`/jobs/${job._id}`);
          this.notice = `Deleted ${job.name}`;
          await this.load(true);
        }
      } catch (error) {
        this.error = `${action} ${job.name}: ${error.message}`;
      }
    },
  };
}
