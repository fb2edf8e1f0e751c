// Small SVG line charts for the dashboard: no library, nothing fetched from the internet.
"use strict";

const Charts = (() => {
  const svgNs = "http://www.w3.org/2000/svg";
  const palette = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f"];
  const width = 600, height = 200, left = 48, right = 8, top = 8, bottom = 22;

  function element(name, attributes, text) {
    const node = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function format(value) {
    if (value === 0) return "0";
    if (Math.abs(value) >= 100) return value.toFixed(0);
    if (Math.abs(value) >= 1) return value.toFixed(1);
    return value.toPrecision(2);
  }

  // series: [{ name, points: [[timeMs, value], ...] }]; draws them against a shared time axis, with a legend.
  function line(svg, series, fixedMax) {
    svg.replaceChildren();
    const points = series.flatMap(s => s.points);
    if (points.length === 0) {
      svg.append(element("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "no data yet"));
      return;
    }

    const t0 = Math.min(...points.map(p => p[0])), t1 = Math.max(...points.map(p => p[0]));
    const max = fixedMax ?? Math.max(...points.map(p => p[1]), 1e-9) * 1.1;
    const x = t => left + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (width - left - right);
    const y = v => top + (1 - v / max) * (height - top - bottom);

    for (const fraction of [0, 0.5, 1]) {
      const value = max * fraction;
      svg.append(element("line", { class: "axis", x1: left, x2: width - right, y1: y(value), y2: y(value) }));
      svg.append(element("text", { x: left - 4, y: y(value) + 4, "text-anchor": "end" }, format(value)));
    }

    const seconds = Math.round((t1 - t0) / 1000);
    svg.append(element("text", { x: left, y: height - 6 }, seconds > 0 ? `-${seconds}s` : ""));
    svg.append(element("text", { x: width - right, y: height - 6, "text-anchor": "end" }, "now"));

    series.forEach((s, i) => {
      const colour = palette[i % palette.length];
      if (s.points.length > 0) {
        const path = s.points.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
        svg.append(element("polyline", { class: "series", stroke: colour, points: path }));
      }
      svg.append(element("text", { x: left + 8 + i * 110, y: top + 12, fill: colour, style: `fill:${colour}` }, s.name));
    });
  }

  return { line, palette };
})();
