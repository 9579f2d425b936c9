// Results as plots (Chart.js): the SCF convergence, band structures, densities of states, phonons.
// The functions that shape the data are pure; the chart is made by `draw`.

import { chartJs } from "./scripts.js";

export const PLOTTED = ["band_structure", "density_of_states", "phonon_dispersions", "phonon_dos"];
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

// Distance along a path of k- or q-points (their units as given), so that segments keep their lengths.
export function pathDistances(points) {
  let total = 0;
  return points.map((point, index) => {
    if (index > 0) {
      const previous = points[index - 1];
      total += Math.hypot(...point.map((value, axis) => value - previous[axis]));
    }
    return total;
  });
}

function xy(xs, ys) {
  return ys.map((y, index) => ({ x: xs[index], y }));
}

function legendLabel(entry, index) {
  if (!entry) return index === 0 ? "total" : `series ${index + 1}`;
  if (typeof entry === "string") return entry;
  const parts = [entry.element, entry.electronicState, entry.spin !== undefined ? `spin ${entry.spin}` : ""];
  return parts.filter(Boolean).join(" ") || (index === 0 ? "total" : `series ${index + 1}`);
}

// A property document's data as Chart.js datasets and axis titles.
export function propertySeries(data) {
  const xLabel = `${data.xAxis?.label ?? "x"}${data.xAxis?.units ? ` (${data.xAxis.units})` : ""}`;
  const yLabel = `${data.yAxis?.label ?? "y"}${data.yAxis?.units ? ` (${data.yAxis.units})` : ""}`;
  const series = data.yDataSeries || [];
  if (data.name === "band_structure" || data.name === "phonon_dispersions") {
    const xs = pathDistances(data.xDataArray || []);
    const datasets = series.map((ys, index) => ({
      label: `${data.name === "band_structure" ? "band" : "mode"} ${index + 1}`,
      data: xy(xs, ys),
      borderColor: COLORS[0],
      borderWidth: 1.2,
    }));
    return { datasets, xLabel: data.name === "band_structure" ? "path through k-points" : "path through q-points", yLabel, legend: false };
  }
  // DOS: xDataArray is [energies] (density_of_states) or the energies themselves (phonon_dos).
  const xs = Array.isArray(data.xDataArray?.[0]) ? data.xDataArray[0] : data.xDataArray || [];
  const datasets = series.map((ys, index) => ({
    label: legendLabel(data.legend?.[index], index),
    data: xy(xs, ys),
    borderColor: COLORS[index % COLORS.length],
    borderWidth: index === 0 ? 2 : 1.2,
  }));
  return { datasets, xLabel, yLabel, legend: datasets.length > 1 };
}

// The SCF accuracy per iteration: one series per self-consistent cycle of each unit.
export function scfSeries(cycles) {
  return cycles.map((cycle, index) => ({
    label: cycle.label,
    // Live cycles may miss an iteration (a stream that joined late): only the points known.
    data: cycle.accuracies.flatMap((accuracy, iteration) => (Number.isFinite(accuracy) ? [{ x: iteration + 1, y: accuracy }] : [])),
    borderColor: COLORS[index % COLORS.length],
    backgroundColor: COLORS[index % COLORS.length],
    borderWidth: 1.5,
    pointRadius: 2.5,
  }));
}

function powersOfTen(value) {
  const exponent = Math.log10(value);
  return Math.abs(exponent - Math.round(exponent)) < 1e-9 ? `1e${Math.round(exponent)}` : "";
}

export async function draw(canvas, { datasets, xLabel, yLabel, legend = true, logY = false, integerX = false }) {
  const Chart = await chartJs();
  return new Chart(canvas, {
    type: "line",
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      elements: { point: { radius: 0 }, line: { tension: 0 } },
      plugins: { legend: { display: legend }, tooltip: { enabled: true, intersect: false } },
      scales: {
        x: { type: "linear", title: { display: true, text: xLabel }, ticks: integerX ? { precision: 0, stepSize: 1 } : {} },
        y: {
          type: logY ? "logarithmic" : "linear",
          title: { display: true, text: yLabel },
          ticks: logY ? { callback: powersOfTen, autoSkip: false } : {},
        },
      },
    },
  });
}
