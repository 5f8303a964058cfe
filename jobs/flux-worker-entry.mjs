// Child-process bootstrap: registers tsx's loader, then runs the TypeScript flux worker.
import { register } from 'tsx/esm/api';

register();
await import('./flux-worker.ts');
