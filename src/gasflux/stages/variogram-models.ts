/** Theoretical variogram models without nugget, parameterised by effective range r and sill c0 (scikit-gstat's). */
export type VariogramModelName = 'spherical' | 'exponential' | 'gaussian';

export function variogramModel(name: VariogramModelName): (h: number, r: number, c0: number) => number {
  switch (name) {
    case 'spherical':
      return (h, r, c0) => {
        if (h > r) return c0;
        const q = h / r;
        return c0 * q * (1.5 - 0.5 * q * q);
      };
    case 'exponential':
      return (h, r, c0) => c0 * (1 - Math.exp(-(h / (r / 3))));
    case 'gaussian':
      return (h, r, c0) => c0 * (1 - Math.exp(-((h * h) / ((r / 2) * (r / 2)))));
  }
}
