// Workflows: the account's (or the bank's) list, and a page each with its flowchart and units.

import { get, post } from "../api.js";
import * as flowchart from "../flowchart.js";

const PAGE_SIZE = 20;

export function workflowsPage() {
  return {
    bank: false,
    workflows: [],
    page: 0,
    more: false,
    error: "",
    loading: true,
    init() {
      this.bank = this.$store.route.query.bank === "1";
      this.load();
    },
    async load() {
      this.loading = true;
      try {
        const found = await get(this.bank ? "/bank-workflows" : "/workflows", {
          projection: { limit: PAGE_SIZE + 1, skip: this.page * PAGE_SIZE, sort: { name: 1 }, fields: { name: 1, "application.name": 1, properties: 1, isDefault: 1 } },
        });
        this.more = found.length > PAGE_SIZE;
        this.workflows = found.slice(0, PAGE_SIZE);
        this.error = "";
      } catch (error) {
        this.error = error.message;
      } finally {
        this.loading = false;
      }
    },
    show(bank) {
      this.bank = bank;
      this.page = 0;
      history.replaceState(null, "", bank ? "#/workflows?bank=1" : "#/workflows");
      this.load();
    },
    turn(delta) {
      this.page = Math.max(0, this.page + delta);
      this.load();
    },
    link(workflow) {
      return `#/workflows/${workflow._id}${this.bank ? "?bank=1" : ""}`;
    },
  };
}

export function workflowPage() {
  return {
    workflow: null,
    bank: false,
    error: "",
    async init() {
      this.bank = this.$store.route.query.bank === "1";
      try {
        this.workflow = await get(`/${this.bank ? "bank-workflows" : "workflows"}/${this.$store.route.params.id}`);
      } catch (error) {
        this.error = error.message;
      }
    },
    get flowchartSvg() {
      return this.workflow ? flowchart.svg(flowchart.layout(this.workflow)) : "";
    },
    get units() {
      if (!this.workflow) return [];
      return (this.workflow.subworkflows || []).flatMap((sub) =>
        flowchart.ordered(sub.units || []).map((unit) => ({
          id: unit.flowchartId,
          subworkflow: sub.name,
          name: unit.name,
          type: unit.type,
          what: unit.type === "execution" ? `${unit.application?.name ?? ""} ${unit.executable?.name ?? ""}` : unit.type === "assignment" ? `${unit.operand} = ${unit.value}` : unit.type === "condition" ? `if ${unit.statement}` : "",
          results: (unit.results || []).map((result) => result.name).join(", "),
        })),
      );
    },
    async copy() {
      try {
        const copied = await post(`/bank-workflows/${this.workflow._id}/copy`);
        location.hash = `#/workflows/${copied._id}`;
      } catch (error) {
        this.error = error.message;
      }
    },
  };
}
