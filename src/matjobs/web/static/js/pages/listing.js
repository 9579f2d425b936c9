// A list of the account's documents or the bank's, a page at a time: what the materials and the
// workflows pages share. `key` names the page's array, `route` its hash and collection.

import { get } from "../api.js";

const PAGE_SIZE = 20;

export function ownOrBank({ key, route, projection }) {
  return {
    bank: false,
    [key]: [],
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
        const found = await get(this.bank ? `/bank-${route}` : `/${route}`, {
          projection: { limit: PAGE_SIZE + 1, skip: this.page * PAGE_SIZE, ...projection },
        });
        this.more = found.length > PAGE_SIZE;
        this[key] = found.slice(0, PAGE_SIZE);
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
      history.replaceState(null, "", bank ? `#/${route}?bank=1` : `#/${route}`);
      this.load();
    },
    turn(delta) {
      this.page = Math.max(0, this.page + delta);
      this.load();
    },
    link(document) {
      return `#/${route}/${document._id}${this.bank ? "?bank=1" : ""}`;
    },
  };
}
