/** A least-squares line through (x, y) points, with the standard error of its slope. */
export interface LinearFit {
  slope: number;
  intercept: number;
  /** Standard error of the slope (NaN with fewer than three points). */
  slopeStandardError: number;
  points: number;
}

export function linearFit(points: readonly { x: number; y: number }[]): LinearFit {
  const n = points.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, slopeStandardError: Number.NaN, points: n };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residual = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  const slopeStandardError = n > 2 ? Math.sqrt(residual / (n - 2) / sxx) : Number.NaN;
  return { slope, intercept, slopeStandardError, points: n };
}
