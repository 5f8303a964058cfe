/**
 * Levenberg–Marquardt least squares with a forward-difference Jacobian, following MINPACK's lmdif (the algorithm
 * behind scipy's curve_fit(method="lm")): QR with column pivoting, the trust-region parameter search of lmpar, and
 * MINPACK's convergence tests and defaults (ftol = xtol = 1.49012e-8, gtol = 0, factor = 100, maxfev = 200·(n+1)).
 */
const EPSMCH = Number.EPSILON;
const DWARF = Number.MIN_VALUE > 0 ? 2.2250738585072014e-308 : 0;

export interface LmOptions {
  ftol?: number;
  xtol?: number;
  gtol?: number;
  maxfev?: number;
  factor?: number;
}

export interface LmResult {
  x: number[];
  /** MINPACK info: 1–4 converged; 5 too many evaluations; 6–8 tolerances too small. */
  info: number;
  nfev: number;
  converged: boolean;
}

function enorm(v: ArrayLike<number>, from = 0, to = v.length): number {
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(v[i]));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const t = v[i] / scale;
    sum += t * t;
  }
  return scale * Math.sqrt(sum);
}

/** Householder QR with column pivoting on a (m×n, a[i][j]); returns R's diagonal, column norms and the permutation. */
function qrfac(a: number[][], m: number, n: number) {
  const acnorm = new Array<number>(n);
  const rdiag = new Array<number>(n);
  const wa = new Array<number>(n);
  const ipvt = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    const col: number[] = [];
    for (let i = 0; i < m; i++) col.push(a[i][j]);
    s = enorm(col);
    acnorm[j] = s;
    rdiag[j] = s;
    wa[j] = s;
    ipvt[j] = j;
  }
  const minmn = Math.min(m, n);
  for (let j = 0; j < minmn; j++) {
    let kmax = j;
    for (let k = j; k < n; k++) if (rdiag[k] > rdiag[kmax]) kmax = k;
    if (kmax !== j) {
      for (let i = 0; i < m; i++) {
        const t = a[i][j];
        a[i][j] = a[i][kmax];
        a[i][kmax] = t;
      }
      rdiag[kmax] = rdiag[j];
      wa[kmax] = wa[j];
      const t = ipvt[j];
      ipvt[j] = ipvt[kmax];
      ipvt[kmax] = t;
    }
    const col: number[] = [];
    for (let i = j; i < m; i++) col.push(a[i][j]);
    let ajnorm = enorm(col);
    if (ajnorm !== 0) {
      if (a[j][j] < 0) ajnorm = -ajnorm;
      for (let i = j; i < m; i++) a[i][j] /= ajnorm;
      a[j][j] += 1;
      for (let k = j + 1; k < n; k++) {
        let sum = 0;
        for (let i = j; i < m; i++) sum += a[i][j] * a[i][k];
        const temp = sum / a[j][j];
        for (let i = j; i < m; i++) a[i][k] -= temp * a[i][j];
        if (rdiag[k] !== 0) {
          const t = a[j][k] / rdiag[k];
          rdiag[k] *= Math.sqrt(Math.max(0, 1 - t * t));
          if (0.05 * (rdiag[k] / wa[k]) ** 2 <= EPSMCH) {
            const rest: number[] = [];
            for (let i = j + 1; i < m; i++) rest.push(a[i][k]);
            rdiag[k] = enorm(rest);
            wa[k] = rdiag[k];
          }
        }
      }
    }
    rdiag[j] = -ajnorm;
  }
  return { rdiag, acnorm, ipvt };
}

/** Solves the augmented least-squares system [R; D] x ≈ [qtb; 0] with Givens rotations (MINPACK qrsolv). */
function qrsolv(r: number[][], n: number, ipvt: number[], diag: number[], qtb: number[], x: number[], sdiag: number[]) {
  const wa = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) r[i][j] = r[j][i];
    x[j] = r[j][j];
    wa[j] = qtb[j];
  }
  for (let j = 0; j < n; j++) {
    const l = ipvt[j];
    if (diag[l] !== 0) {
      for (let k = j; k < n; k++) sdiag[k] = 0;
      sdiag[j] = diag[l];
      let qtbpj = 0;
      for (let k = j; k < n; k++) {
        if (sdiag[k] === 0) continue;
        let sin: number, cos: number;
        if (Math.abs(r[k][k]) < Math.abs(sdiag[k])) {
          const cotan = r[k][k] / sdiag[k];
          sin = 0.5 / Math.sqrt(0.25 + 0.25 * cotan * cotan);
          cos = sin * cotan;
        } else {
          const tan = sdiag[k] / r[k][k];
          cos = 0.5 / Math.sqrt(0.25 + 0.25 * tan * tan);
          sin = cos * tan;
        }
        r[k][k] = cos * r[k][k] + sin * sdiag[k];
        const temp = cos * wa[k] + sin * qtbpj;
        qtbpj = -sin * wa[k] + cos * qtbpj;
        wa[k] = temp;
        for (let i = k + 1; i < n; i++) {
          const t = cos * r[i][k] + sin * sdiag[i];
          sdiag[i] = -sin * r[i][k] + cos * sdiag[i];
          r[i][k] = t;
        }
      }
    }
    sdiag[j] = r[j][j];
    r[j][j] = x[j];
  }
  let nsing = n;
  for (let j = 0; j < n; j++) {
    if (sdiag[j] === 0 && nsing === n) nsing = j;
    if (nsing < n) wa[j] = 0;
  }
  for (let k = 0; k < nsing; k++) {
    const j = nsing - 1 - k;
    let sum = 0;
    for (let i = j + 1; i < nsing; i++) sum += r[i][j] * wa[i];
    wa[j] = (wa[j] - sum) / sdiag[j];
  }
  for (let j = 0; j < n; j++) x[ipvt[j]] = wa[j];
}

/** The Levenberg–Marquardt parameter for a step of length ≈ delta (MINPACK lmpar). Returns the new par. */
function lmpar(r: number[][], n: number, ipvt: number[], diag: number[], qtb: number[], delta: number, parIn: number, x: number[], sdiag: number[]): number {
  let par = parIn;
  const wa1 = new Array<number>(n);
  const wa2 = new Array<number>(n);
  let nsing = n;
  for (let j = 0; j < n; j++) {
    wa1[j] = qtb[j];
    if (r[j][j] === 0 && nsing === n) nsing = j;
    if (nsing < n) wa1[j] = 0;
  }
  for (let k = 0; k < nsing; k++) {
    const j = nsing - 1 - k;
    wa1[j] /= r[j][j];
    const temp = wa1[j];
    for (let i = 0; i < j; i++) wa1[i] -= r[i][j] * temp;
  }
  for (let j = 0; j < n; j++) x[ipvt[j]] = wa1[j];
  for (let j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
  let dxnorm = enorm(wa2);
  let fp = dxnorm - delta;
  if (fp <= 0.1 * delta) return 0;

  let parl = 0;
  if (nsing >= n) {
    for (let j = 0; j < n; j++) {
      const l = ipvt[j];
      wa1[j] = diag[l] * (wa2[l] / dxnorm);
    }
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < j; i++) sum += r[i][j] * wa1[i];
      wa1[j] = (wa1[j] - sum) / r[j][j];
    }
    const temp = enorm(wa1);
    parl = fp / delta / temp / temp;
  }
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i <= j; i++) sum += r[i][j] * qtb[i];
    wa1[j] = sum / diag[ipvt[j]];
  }
  const gnorm = enorm(wa1);
  let paru = gnorm / delta;
  if (paru === 0) paru = DWARF / Math.min(delta, 0.1);
  par = Math.max(par, parl);
  par = Math.min(par, paru);
  if (par === 0) par = gnorm / dxnorm;

  for (let iter = 1; ; iter++) {
    if (par === 0) par = Math.max(DWARF, 0.001 * paru);
    const sq = Math.sqrt(par);
    for (let j = 0; j < n; j++) wa1[j] = sq * diag[j];
    qrsolv(r, n, ipvt, wa1, qtb, x, sdiag);
    for (let j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
    dxnorm = enorm(wa2);
    const previous = fp;
    fp = dxnorm - delta;
    if (Math.abs(fp) <= 0.1 * delta || (parl === 0 && fp <= previous && previous < 0) || iter === 10) break;
    for (let j = 0; j < n; j++) {
      const l = ipvt[j];
      wa1[j] = diag[l] * (wa2[l] / dxnorm);
    }
    for (let j = 0; j < n; j++) {
      wa1[j] /= sdiag[j];
      const temp = wa1[j];
      for (let i = j + 1; i < n; i++) wa1[i] -= r[i][j] * temp;
    }
    const temp = enorm(wa1);
    const parc = fp / delta / temp / temp;
    if (fp > 0) parl = Math.max(parl, par);
    if (fp < 0) paru = Math.min(paru, par);
    par = Math.max(parl, par + parc);
  }
  return par;
}

/** Minimises Σ residuals(x)² from x0. `residuals` must return m ≥ n finite values. */
export function levenbergMarquardt(residuals: (x: number[]) => number[], x0: number[], options: LmOptions = {}): LmResult {
  const n = x0.length;
  const ftol = options.ftol ?? 1.49012e-8;
  const xtol = options.xtol ?? 1.49012e-8;
  const gtol = options.gtol ?? 0;
  const maxfev = options.maxfev ?? 200 * (n + 1);
  const factor = options.factor ?? 100;
  const epsfcn = Math.sqrt(EPSMCH);

  const x = x0.slice();
  let fvec = residuals(x);
  const m = fvec.length;
  let nfev = 1;
  let fnorm = enorm(fvec);
  let par = 0;
  let iter = 1;
  let delta = 0;
  let xnorm = 0;
  const diag = new Array<number>(n).fill(0);
  const qtf = new Array<number>(n);
  const wa1 = new Array<number>(n);
  const wa2 = new Array<number>(n);
  const wa3 = new Array<number>(n);
  const sdiag = new Array<number>(n);
  let info = 0;

  outer: for (;;) {
    const fjac: number[][] = Array.from({ length: m }, () => new Array<number>(n));
    for (let j = 0; j < n; j++) {
      const temp = x[j];
      const h = epsfcn * Math.abs(temp) || epsfcn;
      x[j] = temp + h;
      const shifted = residuals(x);
      x[j] = temp;
      for (let i = 0; i < m; i++) fjac[i][j] = (shifted[i] - fvec[i]) / h;
    }
    nfev += n;
    const { rdiag, acnorm, ipvt } = qrfac(fjac, m, n);
    if (iter === 1) {
      for (let j = 0; j < n; j++) diag[j] = acnorm[j] === 0 ? 1 : acnorm[j];
      for (let j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
      xnorm = enorm(wa3);
      delta = factor * xnorm;
      if (delta === 0) delta = factor;
    }
    const wa4 = fvec.slice();
    for (let j = 0; j < n; j++) {
      if (fjac[j][j] !== 0) {
        let sum = 0;
        for (let i = j; i < m; i++) sum += fjac[i][j] * wa4[i];
        const temp = -sum / fjac[j][j];
        for (let i = j; i < m; i++) wa4[i] += fjac[i][j] * temp;
      }
      fjac[j][j] = rdiag[j];
      qtf[j] = wa4[j];
    }
    let gnorm = 0;
    if (fnorm !== 0) {
      for (let j = 0; j < n; j++) {
        const l = ipvt[j];
        if (acnorm[l] === 0) continue;
        let sum = 0;
        for (let i = 0; i <= j; i++) sum += fjac[i][j] * (qtf[i] / fnorm);
        gnorm = Math.max(gnorm, Math.abs(sum / acnorm[l]));
      }
    }
    if (gnorm <= gtol) info = 4;
    if (info !== 0) break;
    for (let j = 0; j < n; j++) diag[j] = Math.max(diag[j], acnorm[j]);

    for (;;) {
      par = lmpar(fjac, n, ipvt, diag, qtf, delta, par, wa1, sdiag);
      for (let j = 0; j < n; j++) {
        wa1[j] = -wa1[j];
        wa2[j] = x[j] + wa1[j];
        wa3[j] = diag[j] * wa1[j];
      }
      const pnorm = enorm(wa3);
      if (iter === 1) delta = Math.min(delta, pnorm);
      const trial = residuals(wa2);
      nfev += 1;
      const fnorm1 = enorm(trial);
      let actred = -1;
      if (0.1 * fnorm1 < fnorm) actred = 1 - (fnorm1 / fnorm) ** 2;
      for (let j = 0; j < n; j++) {
        wa3[j] = 0;
        const temp = wa1[ipvt[j]];
        for (let i = 0; i <= j; i++) wa3[i] += fjac[i][j] * temp;
      }
      const temp1 = enorm(wa3) / fnorm;
      const temp2 = (Math.sqrt(par) * pnorm) / fnorm;
      const prered = temp1 * temp1 + (temp2 * temp2) / 0.5;
      const dirder = -(temp1 * temp1 + temp2 * temp2);
      const ratio = prered !== 0 ? actred / prered : 0;
      if (ratio <= 0.25) {
        let temp = actred >= 0 ? 0.5 : (0.5 * dirder) / (dirder + 0.5 * actred);
        if (0.1 * fnorm1 >= fnorm || temp < 0.1) temp = 0.1;
        delta = temp * Math.min(delta, pnorm / 0.1);
        par /= temp;
      } else if (par === 0 || ratio >= 0.75) {
        delta = pnorm / 0.5;
        par *= 0.5;
      }
      if (ratio >= 1e-4) {
        for (let j = 0; j < n; j++) {
          x[j] = wa2[j];
          wa2[j] = diag[j] * x[j];
        }
        fvec = trial;
        xnorm = enorm(wa2);
        fnorm = fnorm1;
        iter += 1;
      }
      if (Math.abs(actred) <= ftol && prered <= ftol && 0.5 * ratio <= 1) info = 1;
      if (delta <= xtol * xnorm) info = info === 1 ? 3 : 2;
      if (info !== 0) break outer;
      if (nfev >= maxfev) info = 5;
      if (Math.abs(actred) <= EPSMCH && prered <= EPSMCH && 0.5 * ratio <= 1) info = 6;
      if (delta <= EPSMCH * xnorm) info = 7;
      if (gnorm <= EPSMCH) info = 8;
      if (info !== 0) break outer;
      if (ratio >= 1e-4) break;
    }
  }
  return { x, info, nfev, converged: info >= 1 && info <= 4 };
}
