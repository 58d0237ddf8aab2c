import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

/**
 * The hotline's own flows (./ivr-flows), with `queue` recording its conversations too, as an operator would
 * switch it on in queues.yaml: IVR_FLOWS_DIR points the hotline at the copy.
 */
export function flowsRecording(queue: string, channels: 'dual' | 'mono' = 'dual'): string {
  const dir = mkdtempSync(join(tmpdir(), 'sanling-recording-flows-'));
  for (const file of readdirSync('ivr-flows')) copyFileSync(join('ivr-flows', file), join(dir, file));
  const queues = parseDocument(readFileSync(join(dir, 'queues.yaml'), 'utf8'));
  queues.setIn(['queues', queue, 'recording'], queues.createNode({ enabled: true, channels }));
  writeFileSync(join(dir, 'queues.yaml'), queues.toString());
  return dir;
}
