import type { RecordingAudio } from '../../src/telephony/carrier/carrier.ts';

/** What a WAV file says of itself, read as a player reads it; throws on anything that is not PCM WAV. */
export function readWav(bytes: Buffer) {
  const text = (at: number) => bytes.toString('ascii', at, at + 4);
  if (text(0) !== 'RIFF' || text(8) !== 'WAVE' || text(12) !== 'fmt ' || text(36) !== 'data') throw new Error('not a canonical WAV file');
  if (bytes.readUInt32LE(4) !== bytes.length - 8) throw new Error(`RIFF size ${bytes.readUInt32LE(4)} for ${bytes.length} bytes`);
  const format = bytes.readUInt16LE(20);
  const channels = bytes.readUInt16LE(22);
  const sampleRate = bytes.readUInt32LE(24);
  const byteRate = bytes.readUInt32LE(28);
  const bitsPerSample = bytes.readUInt16LE(34);
  const dataBytes = bytes.readUInt32LE(40);
  if (dataBytes !== bytes.length - 44) throw new Error(`data size ${dataBytes} for ${bytes.length - 44} bytes of data`);
  if (byteRate !== sampleRate * channels * (bitsPerSample / 8)) throw new Error('byte rate does not match the format');
  return { format: format === 1 ? 'pcm' : `format ${format}`, channels, sampleRate, bitsPerSample, seconds: dataBytes / byteRate };
}

/** The whole body of a carrier's recording. */
export async function bytesOf(audio: RecordingAudio): Promise<Buffer> {
  if (Buffer.isBuffer(audio.body)) return audio.body;
  return Buffer.from(await new Response(audio.body).arrayBuffer());
}
