// A material's structure as a POSCAR text (pure), and its interactive 3D view (3Dmol.js).

import { threeDmol } from "./scripts.js";

const RADIANS = Math.PI / 180;

// Cell vectors from the lattice's parameters (a along x, b in the xy plane), as ASE's cellpar_to_cell.
export function cellVectors(lattice) {
  if (lattice?.vectors?.a) return [lattice.vectors.a, lattice.vectors.b, lattice.vectors.c];
  const { a, b, c } = lattice;
  const [alpha, beta, gamma] = [lattice.alpha, lattice.beta, lattice.gamma].map((angle) => angle * RADIANS);
  const cx = Math.cos(beta);
  const cy = (Math.cos(alpha) - Math.cos(beta) * Math.cos(gamma)) / Math.sin(gamma);
  const cz = Math.sqrt(Math.max(0, 1 - cx * cx - cy * cy));
  return [
    [a, 0, 0],
    [b * Math.cos(gamma), b * Math.sin(gamma), 0],
    [c * cx, c * cy, c * cz],
  ];
}

// Fractional coordinates of the basis (cartesian ones through the inverse of the cell).
export function fractional(material) {
  const coordinates = material.basis.coordinates.map((coordinate) => coordinate.value);
  if (material.basis.units !== "cartesian") return coordinates;
  const [a, b, c] = cellVectors(material.lattice);
  const det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  // Rows of the inverse of the matrix whose rows are a, b, c: x = r M, so f = r M^-1.
  const inverse = [
    [(b[1] * c[2] - b[2] * c[1]) / det, (a[2] * c[1] - a[1] * c[2]) / det, (a[1] * b[2] - a[2] * b[1]) / det],
    [(b[2] * c[0] - b[0] * c[2]) / det, (a[0] * c[2] - a[2] * c[0]) / det, (a[2] * b[0] - a[0] * b[2]) / det],
    [(b[0] * c[1] - b[1] * c[0]) / det, (a[1] * c[0] - a[0] * c[1]) / det, (a[0] * b[1] - a[1] * b[0]) / det],
  ];
  return coordinates.map((r) => [0, 1, 2].map((j) => r[0] * inverse[0][j] + r[1] * inverse[1][j] + r[2] * inverse[2][j]));
}

// The structure as a P1 CIF: the cell's parameters and every atom's fractional coordinates.
export function cif(material) {
  const lattice = material.lattice;
  const [a, b, c] = cellVectors(lattice).map((vector) => Math.hypot(...vector));
  const angle = (u, v) => (Math.acos(u.reduce((sum, x, i) => sum + x * v[i], 0) / (Math.hypot(...u) * Math.hypot(...v))) * 180) / Math.PI;
  const [va, vb, vc] = cellVectors(lattice);
  const lines = [
    "data_matjobs",
    `_cell_length_a ${a.toFixed(6)}`,
    `_cell_length_b ${b.toFixed(6)}`,
    `_cell_length_c ${c.toFixed(6)}`,
    `_cell_angle_alpha ${angle(vb, vc).toFixed(4)}`,
    `_cell_angle_beta ${angle(va, vc).toFixed(4)}`,
    `_cell_angle_gamma ${angle(va, vb).toFixed(4)}`,
    "_symmetry_space_group_name_H-M 'P 1'",
    "loop_",
    "_atom_site_label",
    "_atom_site_type_symbol",
    "_atom_site_fract_x",
    "_atom_site_fract_y",
    "_atom_site_fract_z",
  ];
  const positions = fractional(material);
  material.basis.elements.forEach((element, index) => {
    const [x, y, z] = positions[index].map((value) => Number(value).toFixed(6));
    lines.push(`${element.value}${index + 1} ${element.value} ${x} ${y} ${z}`);
  });
  return `${lines.join("\n")}\n`;
}

// The view in `element`; a second call on the same element replaces the structure.
export async function showStructure(element, material) {
  const $3Dmol = await threeDmol();
  element.replaceChildren();
  const viewer = $3Dmol.createViewer(element, { backgroundColor: "white", antialias: true });
  const model = viewer.addModel(cif(material), "cif");
  const atoms = material.basis.elements.length;
  // A few cells show how a small cell's atoms bond; a large cell alone is enough.
  if (atoms <= 16 && viewer.replicateUnitCell) viewer.replicateUnitCell(2, 2, 2, model, true);
  viewer.setStyle({}, { sphere: { scale: 0.3, colorscheme: "Jmol" }, stick: { radius: 0.12, colorscheme: "Jmol" } });
  viewer.addUnitCell(model, { box: { color: "#555" } });
  viewer.zoomTo();
  viewer.render();
  return viewer;
}
