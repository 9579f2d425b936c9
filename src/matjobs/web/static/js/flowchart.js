// A workflow drawn as its flowchart (hand-made SVG): each subworkflow a group, each unit a box
// coloured by its status, arrows along `next`, a condition's `then` and `else` labelled.

import { escapeHtml } from "./format.js";

const BOX_W = 220;
const BOX_H = 40;
const GAP = 26;
const GROUP_PAD = 14;
const TITLE_H = 22;
const SIDE = 70; // room beside the boxes for arrows that skip or loop back

// Units in flow order: from the head along `next`, then any the walk did not reach.
export function ordered(units) {
  const byId = new Map(units.map((unit) => [unit.flowchartId, unit]));
  const seen = new Set();
  const order = [];
  let current = units.find((unit) => unit.head) || units[0];
  while (current && !seen.has(current.flowchartId)) {
    seen.add(current.flowchartId);
    order.push(current);
    current = byId.get(current.next);
  }
  for (const unit of units) if (!seen.has(unit.flowchartId)) order.push(unit);
  return order;
}

function describe(unit) {
  if (unit.type === "execution") return `${unit.application?.name ?? ""} ${unit.executable?.name ?? ""}`.trim();
  if (unit.type === "assignment") return `${unit.operand ?? ""} = ${unit.value ?? ""}`;
  if (unit.type === "condition") return `if ${unit.statement ?? ""}`;
  return unit.type || "";
}

// Boxes, groups and edges with coordinates: pure, so that a status change only recolours.
export function layout(workflow) {
  const subworkflows = new Map((workflow.subworkflows || []).map((sub) => [sub._id, sub]));
  const boxes = [];
  const groups = [];
  const edges = [];
  let y = 0;
  const x = SIDE + GROUP_PAD;
  for (const top of ordered(workflow.units || [])) {
    const sub = top.type === "subworkflow" ? subworkflows.get(top._id) : null;
    const units = sub ? ordered(sub.units || []) : [top];
    const groupTop = y;
    if (sub) y += TITLE_H + GROUP_PAD;
    const index = new Map();
    for (const unit of units) {
      index.set(unit.flowchartId, boxes.length);
      boxes.push({ id: unit.flowchartId, name: unit.name || unit.type, detail: describe(unit), type: unit.type, status: unit.status || "idle", x, y });
      y += BOX_H + GAP;
    }
    for (const unit of units) {
      const from = index.get(unit.flowchartId);
      const targets = unit.type === "condition"
        ? [[unit.then, "then"], [unit.else, "else"]]
        : [[unit.next, ""]];
      for (const [target, label] of targets) {
        if (target && index.has(target)) edges.push({ from, to: index.get(target), label });
      }
    }
    if (sub) {
      y += GROUP_PAD - GAP;
      groups.push({ name: sub.name || top.name, status: top.status || "idle", x: SIDE, y: groupTop, w: BOX_W + 2 * GROUP_PAD, h: y - groupTop });
      y += GAP;
    }
  }
  return { boxes, groups, edges, width: BOX_W + 2 * (SIDE + GROUP_PAD), height: Math.max(y - GAP, BOX_H) };
}

function edgePath(from, to, lane) {
  const cx = from.x + BOX_W / 2;
  if (to.y === from.y + BOX_H + GAP) return `M${cx},${from.y + BOX_H} L${cx},${to.y - 2}`;
  // Forward skips on the right, loops back on the left, each in a lane of its own.
  const right = to.y > from.y;
  const side = right ? from.x + BOX_W + 12 + lane * 10 : from.x - 12 - lane * 10;
  const edgeX = right ? from.x + BOX_W : from.x;
  const y1 = from.y + BOX_H / 2;
  const y2 = to.y + BOX_H / 2;
  return `M${edgeX},${y1} L${side},${y1} L${side},${y2} L${edgeX + (right ? 2 : -2)},${y2}`;
}

// The SVG text; `statuses` (flowchartId -> status) override the workflow's own, for live updates.
export function svg(shape, statuses = {}) {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="flowchart" viewBox="0 0 ${shape.width} ${shape.height + 4}" width="${shape.width}" role="img" aria-label="workflow flowchart">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>',
  ];
  for (const group of shape.groups) {
    parts.push(
      `<g class="group status-${escapeHtml(group.status)}"><rect x="${group.x}" y="${group.y}" width="${group.w}" height="${group.h}" rx="8"/>`,
      `<text x="${group.x + 10}" y="${group.y + 16}" class="group-title">${escapeHtml(group.name)}</text></g>`,
    );
  }
  const lanes = { left: 0, right: 0 };
  for (const edge of shape.edges) {
    const from = shape.boxes[edge.from];
    const to = shape.boxes[edge.to];
    const adjacent = to.y === from.y + BOX_H + GAP;
    const lane = adjacent ? 0 : to.y > from.y ? lanes.right++ : lanes.left++;
    const d = edgePath(from, to, lane % 5);
    parts.push(`<path class="edge" d="${d}" marker-end="url(#arrow)"/>`);
    if (edge.label) {
      const lx = adjacent ? from.x + BOX_W / 2 + 4 : to.y > from.y ? from.x + BOX_W + 4 : from.x - 40;
      parts.push(`<text class="edge-label" x="${lx}" y="${from.y + BOX_H + 14}">${escapeHtml(edge.label)}</text>`);
    }
  }
  for (const box of shape.boxes) {
    const status = statuses[box.id] || box.status;
    parts.push(
      `<g class="unit status-${escapeHtml(status)}" data-unit="${escapeHtml(box.id)}" data-status="${escapeHtml(status)}">`,
      `<rect x="${box.x}" y="${box.y}" width="${BOX_W}" height="${BOX_H}" rx="${box.type === "condition" ? 18 : 5}"/>`,
      `<text x="${box.x + 10}" y="${box.y + 16}" class="unit-name">${escapeHtml(box.name)}</text>`,
      `<text x="${box.x + 10}" y="${box.y + 32}" class="unit-detail">${escapeHtml(truncate(box.detail, 30))} · ${escapeHtml(status)}</text>`,
      "</g>",
    );
  }
  parts.push("</svg>");
  return parts.join("");
}

function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
