// Materials: the account's (or the bank's) list, an import of a POSCAR or CIF, and a page each
// with the 3D structure, the lattice and the basis.

import { get, post } from "../api.js";
import { cellVectors, showStructure } from "../structure.js";
import { ownOrBank } from "./listing.js";
import { formatOf } from "./new-job.js";


export function materialsPage() {
  return {
    ...ownOrBank({
      key: "materials",
      route: "materials",
      projection: { fields: { name: 1, formula: 1, "lattice.type": 1, isDefault: 1 } },
    }),
    notice: "",
    upload: null,
    uploadName: "",
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
