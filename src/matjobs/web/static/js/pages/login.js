// Log in with the same accounts as the API (POST /api/v1/login).

import Alpine from "alpine";
import { login } from "../api.js";

export function loginPage() {
  return {
    username: "",
    password: "",
    error: "",
    busy: false,
    async submit() {
      this.busy = true;
      this.error = "";
      try {
        await login(this.username, this.password);
        Alpine.store("session").refresh();
        const next = this.$store.route.query.next;
        location.hash = next && next !== "/login" ? `#${next}` : "#/jobs";
      } catch (error) {
        this.error = error.message;
      } finally {
        this.busy = false;
      }
    },
  };
}
