// The clusters: their queues, limits and current load.

import { get } from "../api.js";

export function clustersPage() {
  return {
    clusters: [],
    error: "",
    loading: true,
    timer: null,
    async init() {
      await this.load();
      this.timer = setInterval(() => this.load(), 5000);
    },
    destroy() {
      clearInterval(this.timer);
    },
    async load() {
      try {
        this.clusters = await get("/clusters");
        this.error = "";
      } catch (error) {
        this.error = error.message;
      } finally {
        this.loading = false;
      }
    },
  };
}
