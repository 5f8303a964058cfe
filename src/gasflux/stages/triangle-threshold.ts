/** Triangle threshold of a histogram with 256 bins (as scikit-image's threshold_triangle), numpy binning rules. */
const BINS = 256;

export function triangleThreshold(values: Float64Array): number {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = new Float64Array(BINS + 1);
  const step = (hi - lo) / BINS;
  for (let k = 0; k < BINS; k++) edges[k] = lo + k * step;
  edges[BINS] = hi;
  const hist = new Float64Array(BINS);
  const norm = BINS / (hi - lo);
  for (const v of values) {
    let index = Math.floor((v - lo) * norm);
    if (index === BINS) index -= 1;
    if (v < edges[index]) index -= 1;
    if (index !== BINS - 1 && v >= edges[index + 1]) index += 1;
    hist[index] += 1;
  }
  const centers = new Float64Array(BINS);
  for (let k = 0; k < BINS; k++) centers[k] = (edges[k] + edges[k + 1]) / 2;

  let peak = 0;
  for (let k = 1; k < BINS; k++) if (hist[k] > hist[peak]) peak = k;
  const peakHeight = hist[peak];
  let low = 0;
  while (hist[low] === 0) low++;
  let high = BINS - 1;
  while (hist[high] === 0) high--;
  if (low === high) return values[0];

  let h = hist;
  const flip = peak - low < high - peak;
  if (flip) {
    h = hist.slice().reverse();
    low = BINS - high - 1;
    peak = BINS - peak - 1;
  }
  const width = peak - low;
  if (width <= 0) return centers[flip ? BINS - peak - 1 : peak];
  const n = Math.sqrt(peakHeight * peakHeight + width * width);
  const ph = peakHeight / n;
  const w = width / n;
  let best = 0;
  let bestLength = -Infinity;
  for (let t = 0; t < width; t++) {
    const length = ph * t - w * h[t + low];
    if (length > bestLength) {
      bestLength = length;
      best = t;
    }
  }
  let level = best + low;
  if (flip) level = BINS - level - 1;
  return centers[level];
}
