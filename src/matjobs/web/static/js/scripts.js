// Large libraries load when a page first needs them, not with the shell (the jobs list needs neither).

const loading = new Map();

export function script(src, global) {
  if (window[global]) return Promise.resolve(window[global]);
  if (!loading.has(src)) {
    loading.set(
      src,
      new Promise((resolve, reject) => {
        const element = document.createElement("script");
        element.src = src;
        element.onload = () => resolve(window[global]);
        element.onerror = () => reject(new Error(`could not load ${src}`));
        document.head.appendChild(element);
      }),
    );
  }
  return loading.get(src);
}

export const chartJs = () => script("/static/vendor/chart.umd.js", "Chart");
export const threeDmol = () => script("/static/vendor/3Dmol-min.js", "$3Dmol");
