/**
 * The Upload section: a drop zone around the flight and config inputs, a priority, and the checks the service would
 * make (extension, not empty, not over its size limit) done before anything is sent.
 */
import type { GasFluxClient, Task } from '../sdk.js';
import { byId, errorText, formatBytes, showError } from './dom.js';

export type UploadPart = 'data' | 'config';

const EXTENSIONS: Record<UploadPart, string[]> = { data: ['.xlsx', '.xls'], config: ['.yaml', '.yml'] };
const WHAT: Record<UploadPart, string> = { data: 'Flight data', config: 'The config' };

/** What is wrong with a file chosen for `part`, or null. `maxBytes` is the service's limit (null: unknown). */
export function checkFile(file: { name: string; size: number }, part: UploadPart, maxBytes: number | null): string | null {
  const name = file.name.toLowerCase();
  const allowed = EXTENSIONS[part];
  if (!allowed.some((ext) => name.endsWith(ext))) {
    return `${WHAT[part]} must be a ${allowed.join(' or ')} file; “${file.name}” is not.`;
  }
  if (file.size === 0) return `${WHAT[part]} file “${file.name}” is empty.`;
  if (maxBytes !== null && file.size > maxBytes) {
    return `${WHAT[part]} file “${file.name}” is ${formatBytes(file.size)}, over the service's limit of ${formatBytes(maxBytes)}.`;
  }
  return null;
}

/** Which input a dropped file belongs to, by its extension. */
function partOf(file: File): UploadPart {
  return /\.ya?ml$/i.test(file.name) ? 'config' : 'data';
}

export interface UploadSection {
  /** Sets the size limit the checks use (from the service's config). */
  setMaxBytes(maxBytes: number | null): void;
}

export function initUpload(client: GasFluxClient, onUploaded: (task: Task) => void): UploadSection {
  const form = byId<HTMLFormElement>('upload-form');
  const dataInput = byId<HTMLInputElement>('upload-file');
  const configInput = byId<HTMLInputElement>('upload-config');
  const priority = byId<HTMLSelectElement>('upload-priority');
  const submit = byId<HTMLButtonElement>('upload-submit');
  const error = byId('upload-error');
  const status = byId('upload-status');
  const limit = byId('upload-limit');
  const dropzone = byId('dropzone');
  let maxBytes: number | null = null;

  /** Every problem with the chosen files, or null when they can be sent. */
  function problems(requireData: boolean): string | null {
    const data = dataInput.files?.[0];
    const config = configInput.files?.[0];
    const found: string[] = [];
    if (data) {
      const problem = checkFile(data, 'data', maxBytes);
      if (problem) found.push(problem);
    } else if (requireData) found.push('Choose a flight data file (.xlsx or .xls).');
    if (config) {
      const problem = checkFile(config, 'config', maxBytes);
      if (problem) found.push(problem);
    }
    return found.length ? found.join(' ') : null;
  }

  const recheck = () => {
    showError(error, problems(false));
    status.textContent = '';
  };
  dataInput.addEventListener('change', recheck);
  configInput.addEventListener('change', recheck);
  form.addEventListener('reset', () => {
    showError(error, null);
    status.textContent = '';
  });

  // Drag and drop: files dropped anywhere in the zone go to the input their extension names.
  for (const type of ['dragenter', 'dragover'] as const) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
      dropzone.classList.add('dragging');
    });
  }
  dropzone.addEventListener('dragleave', (event) => {
    if (event.target === dropzone) dropzone.classList.remove('dragging');
  });
  dropzone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropzone.classList.remove('dragging');
    const files = [...(event.dataTransfer?.files ?? [])];
    for (const part of ['data', 'config'] as const) {
      const file = files.find((f) => partOf(f) === part);
      if (!file) continue;
      const transfer = new DataTransfer();
      transfer.items.add(file);
      (part === 'data' ? dataInput : configInput).files = transfer.files;
    }
    recheck();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problem = problems(true);
    showError(error, problem);
    if (problem) {
      (dataInput.files?.[0] && !checkFile(dataInput.files[0], 'data', maxBytes) ? configInput : dataInput).focus();
      return;
    }
    const data = dataInput.files![0];
    const config = configInput.files?.[0] ?? null;
    submit.disabled = true;
    status.textContent = `Uploading ${data.name}…`;
    try {
      const task = await client.upload(data, { config, priority: priority.value as 'high' | 'normal' | 'low' });
      status.textContent = `Uploaded ${data.name}: task ${task.id} is ${task.status}. Follow it under Tasks.`;
      form.reset();
      status.textContent = `Uploaded ${data.name}: task ${task.id} is ${task.status}. Follow it under Tasks.`;
      onUploaded(task);
    } catch (failure) {
      status.textContent = '';
      showError(error, `Upload failed: ${errorText(failure)}`);
    } finally {
      submit.disabled = false;
    }
  });

  return {
    setMaxBytes(value) {
      maxBytes = value;
      if (value !== null) {
        limit.textContent = `Spreadsheets of flight data with the columns the GasFlux API documents, at most ${formatBytes(value)} each.`;
      }
    },
  };
}
