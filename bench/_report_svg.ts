/**
 * SVG line charts for the benchmark report: time against size on log-log axes, one line per
 * system, and the bandwidth limit (bytes moved ÷ measured bandwidth) as a dashed line.
 *
 * @module
 */

/** One line of a chart. */
export interface Series {
  label: string;
  points: { x: number; y: number; tick: string }[];
  dashed?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function msLabel(ms: number): string {
  if (ms >= 1000) return `${ms / 1000} s`;
  if (ms >= 1) return `${ms} ms`;
  return `${+(ms * 1000).toPrecision(3)} µs`;
}

/** A chart as an SVG document. */
export function lineChart(title: string, xLabel: string, series: Series[]): string {
  const W = 640, H = 400, L = 70, R = 170, T = 40, B = 50;
  const all = series.flatMap((s) => s.points).filter((p) => p.y > 0 && Number.isFinite(p.y));
  if (all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"/>`;
  const xs = all.map((p) => p.x), ys = all.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yt = decades(Math.min(...ys), Math.max(...ys));
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const lx = (x: number): number =>
    Math.round(
      10 *
        (x1 === x0 ? L + (W - L - R) / 2 : L + (W - L - R) * Math.log(x / x0) / Math.log(x1 / x0)),
    ) / 10;
  const ly = (y: number): number =>
    Math.round(10 * (T + (H - T - B) * (1 - Math.log(y / y0) / Math.log(y1 / y0)))) / 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  for (const y of yt) {
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${ly(y)}" y2="${ly(y)}" stroke="#ddd"/>`,
      `<text x="${L - 6}" y="${ly(y) + 4}" text-anchor="end">${msLabel(y)}</text>`,
    );
  }
  const ticks = new Map(all.map((p) => [p.x, p.tick]));
  for (const [x, tick] of ticks) {
    out.push(
      `<line x1="${lx(x)}" x2="${lx(x)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`,
      `<text x="${lx(x)}" y="${H - B + 16}" text-anchor="middle">${escape(tick)}</text>`,
    );
  }
  out.push(
    `<text x="${L + (W - L - R) / 2}" y="${H - 10}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text x="16" y="${T + (H - T - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${
      T + (H - T - B) / 2
    })">median time (log)</text>`,
  );
  series.forEach((s, i) => {
    const color = s.dashed ? "#000" : COLORS[i % COLORS.length];
    const pts = s.points.filter((p) => p.y > 0 && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (pts.length === 0) return;
    const d = pts.map((p) => `${lx(p.x).toFixed(1)},${ly(p.y).toFixed(1)}`).join(" ");
    out.push(
      `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="6 4"' : ""
      }/>`,
    );
    for (const p of pts) {
      out.push(
        `<circle cx="${lx(p.x).toFixed(1)}" cy="${ly(p.y).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    }
    const ky = T + 10 + i * 18;
    out.push(
      `<line x1="${W - R + 12}" x2="${
        W - R + 36
      }" y1="${ky}" y2="${ky}" stroke="${color}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="6 4"' : ""
      }/>`,
      `<text x="${W - R + 42}" y="${ky + 4}">${escape(s.label)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
