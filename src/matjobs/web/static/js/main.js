// The app: the router's store, the session, and every page's component, on Alpine.js.

import Alpine from "alpine";
import { logout, session } from "./api.js";
import { parse } from "./router.js";
import { clustersPage } from "./pages/clusters.js";
import { jobPage } from "./pages/job.js";
import { jobsPage } from "./pages/jobs.js";
import { loginPage } from "./pages/login.js";
import { materialPage, materialsPage } from "./pages/materials.js";
import { newJobPage } from "./pages/new-job.js";
import { workflowPage, workflowsPage } from "./pages/workflows.js";
import * as format from "./format.js";

const route = Alpine.reactive({ name: null, params: {}, query: {}, path: "/" });

async function navigate() {
  const next = parse(location.hash);
  if (next.name !== "login" && !session.get()) {
    location.hash = `#/login?next=${encodeURIComponent(next.path)}`;
    return;
  }
  // The same page with other parameters (one job, then another) starts afresh.
  if (route.name === next.name && route.path !== next.path) {
    route.name = null;
    await Alpine.nextTick();
  }
  Object.assign(route, next);
  document.title = `matjobs: ${next.name === "job" ? "job" : next.name}`;
}

Alpine.store("route", route);
Alpine.store("session", {
  user: session.get(),
  refresh() {
    this.user = session.get();
  },
  async logout() {
    await logout().catch(() => {});
    this.user = null;
    location.hash = "#/login";
  },
});
Alpine.magic("fmt", () => format);

Alpine.data("loginPage", loginPage);
Alpine.data("jobsPage", jobsPage);
Alpine.data("jobPage", jobPage);
Alpine.data("newJobPage", newJobPage);
Alpine.data("materialsPage", materialsPage);
Alpine.data("materialPage", materialPage);
Alpine.data("workflowsPage", workflowsPage);
Alpine.data("workflowPage", workflowPage);
Alpine.data("clustersPage", clustersPage);

window.addEventListener("hashchange", navigate);
window.addEventListener("matjobs:logged-out", () => {
  Alpine.store("session").refresh();
  if (route.name !== "login") location.hash = `#/login?next=${encodeURIComponent(route.path)}`;
});
navigate();
Alpine.start();
