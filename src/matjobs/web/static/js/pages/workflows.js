// Workflows: the account's (or the bank's) list, and a page each with its flowchart and units.

import { get, post } from "../api.js";
import * as flowchart from "../flowchart.js";
import { ownOrBank } from "./listing.js";

export function workflowsPage() {
  return ownOrBank({
    key: "workflows",
    route: "workflows",
    projection: { sort: { name: 1 }, fields: { name: 1, "application.name": 1, properties: 1, isDefault: 1 } },
  });
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
