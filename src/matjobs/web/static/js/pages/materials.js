// Materials: the account's (or the bank's) list, an import of a POSCAR or CIF, and a page each
// with the 3D structure, the lattice and the basis.

import { get, post } from "../api.js";
import { cellVectors, showStructure } from "../structure.js";
import { formatOf } from "./new-job.js";

const PAGE_SIZE = 20;

export function materialsPage() {
  return {
    bank: false,
    materials: [],
    page: 0,
    more: false,
    error: "",
    notice: "",
    loading: true,
    upload: null,
    uploadName: "",
    init() {
      this.bank = this.$store.route.query.bank === "1";
      this.load();
    },
    async load() {
      this.loading = true;
      try {
        const found = await get(this.bank ? "/bank-materials" : "/materials", {
          projection: { limit: PAGE_SIZE + 1, skip: this.page * PAGE_SIZE, fields: { name: 1, formula: 1, "lattice.type": 1, isDefault: 1 } },
        });
        this.more = found.length > PAGE_SIZE;
        this.materials = found.slice(0, PAGE_SIZE);
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
      history.replaceState(null, "", bank ? "#/materials?bank=1" : "#/materials");
      this.load();
    },
    turn(delta) {
      this.page = Math.max(0, this.page + delta);
      this.load();
    },
    link(material) {
      return `#/materials/${material._id}${this.bank ? "?bank=1" : ""}`;
    },
    async importFile() {
      this.error = "";
      try {
        if (!this.upload) throw new Error("choose a POSCAR or CIF file");
        const content = await this.upload.text();
        const name = this.uploadName.trim() || this.upload.name;
        const material = await post("/materials/import", { name, content, format: formatOf(this.upload.name) });
        location.hash = `#/materials/${material._id}`;
      } catch (error) {
        this.error = error.message;
      }
    },
    async copy(material) {
      try {
        const copied = await post(`/bank-materials/${material._id}/copy`);
        location.hash = `#/materials/${copied._id}`;
      } catch (error) {
        this.error = error.message;
      }
    },
  };
}

export function materialPage() {
  return {
    material: null,
    bank: false,
    error: "",
    async init() {
      this.bank = this.$store.route.query.bank === "1";
      try {
        this.material = await get(`/${this.bank ? "bank-materials" : "materials"}/${this.$store.route.params.id}`);
        await this.$nextTick();
        await showStructure(this.$refs.structure, this.material);
      } catch (error) {
        this.error = error.message;
      }
    },
    get vectors() {
      return this.material ? cellVectors(this.material.lattice) : [];
    },
    get atoms() {
      if (!this.material) return [];
      const coordinates = this.material.basis.coordinates;
      return this.material.basis.elements.map((element, index) => ({ id: element.id, element: element.value, xyz: coordinates[index]?.value || [] }));
    },
  };
}
