/**
 * JSON-RPC line framing (`createLineDecoder`): throughput for small and 1 MB messages, and the
 * cost and memory of rejecting over-cap lines (spec §10.1: 10 MB max line). Prints figures only.
 *
 * Run: `npm run build && node --expose-gc bench/framing.bench.ts`.
 */
import { createLineDecoder, DEFAULT_MAX_LINE_BYTES, type FrameEvent } from '../dist/runner/jsonrpc/framing.js';
import type * as Harness from './lib/harness.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { measure, toRow, printTable, printEnvironment, collectGarbage, mb } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;

const CHUNK_BYTES = 64 * 1024;

/** One JSON-RPC notification line of exactly `bytes` bytes, newline included. */
function messageLine(bytes: number, seq: number): Buffer {
  const head = `{"jsonrpc":"2.0","method":"item/agentMessage/delta","params":{"seq":${seq},"delta":"`;
  const tail = '"}}\n';
  const pad = bytes - head.length - tail.length;
  if (pad < 0) throw new Error(`bench fixture: ${bytes} B is too small for a message line`);
  return Buffer.from(head + 'x'.repeat(pad) + tail, 'utf8');
}

/** Cuts `stream` into `size`-byte chunks, ignoring line boundaries (as pipe reads do). */
function chunked(stream: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
  return chunks;
}

/** A `lineBytes`-long line (no newline yet) as 64 KiB chunks sharing one buffer, then `\n` + a valid line. */
function overCapChunks(lineBytes: number): Buffer[] {
  const full = Buffer.alloc(CHUNK_BYTES, 0x78);
  const chunks: Buffer[] = Array.from({ length: Math.floor(lineBytes / CHUNK_BYTES) }, () => full);
  const rest = lineBytes % CHUNK_BYTES;
  if (rest > 0) chunks.push(full.subarray(0, rest));
  chunks.push(Buffer.from('\n{"jsonrpc":"2.0","method":"ok"}\n', 'utf8'));
  return chunks;
}

/** Feeds every chunk to a fresh decoder; returns how many lines and overflows came out. */
function decodeAll(chunks: readonly Buffer[], expectLines: number, expectOverflows = 0): number {
  const decoder = createLineDecoder();
  let lines = 0;
  let overflows = 0;
  const count = (events: readonly FrameEvent[]): void => {
    for (const event of events) if (event.kind === 'line') lines++; else overflows++;
  };
  for (const chunk of chunks) count(decoder.push(chunk));
  count(decoder.end());
  if (lines !== expectLines || overflows !== expectOverflows) {
    throw new Error(`bench framing: got ${lines} lines / ${overflows} overflows, expected ${expectLines} / ${expectOverflows}`);
  }
  return lines;
}

/** Peak memory above the post-GC baseline while decoding `chunks`, sampled after every push. */
function peakMemory(chunks: readonly Buffer[]): { buffered: number; heap: number; arrayBuffers: number; events: string } {
  const decoder = createLineDecoder();
  const kinds: string[] = [];
  collectGarbage();
  const base = process.memoryUsage();
  let buffered = 0;
  let heap = 0;
  let arrayBuffers = 0;
  for (const chunk of chunks) {
    for (const event of decoder.push(chunk)) kinds.push(event.kind);
    const now = process.memoryUsage();
    buffered = Math.max(buffered, decoder.bufferedBytes);
    heap = Math.max(heap, now.heapUsed - base.heapUsed);
    arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers - base.arrayBuffers);
  }
  return { buffered, heap, arrayBuffers, events: kinds.join(',') };
}

printEnvironment('framing.bench.ts');

const SMALL = 200;
const smallLines = Array.from({ length: 1000 }, (_, i) => messageLine(SMALL, i));
const smallStream = chunked(Buffer.concat(Array.from({ length: 2000 }, (_, i) => messageLine(SMALL, i))), CHUNK_BYTES);
const MEGA = 1_000_000;
const megaStream = chunked(Buffer.concat(Array.from({ length: 4 }, (_, i) => messageLine(MEGA, i))), CHUNK_BYTES);
const OVER = 12_000_000;
const over12 = overCapChunks(OVER);

printTable('throughput (n = messages per sample; p50/p99 are ms per sample)', [
  measure({ name: '200 B messages, one push each', n: 1000, bytes: 1000 * SMALL, run: () => decodeAll(smallLines, 1000) }),
  measure({ name: '200 B messages, 64 KiB chunks', n: 2000, bytes: 2000 * SMALL, run: () => decodeAll(smallStream, 2000) }),
  measure({ name: '1 MB messages, 64 KiB chunks', n: 4, bytes: 4 * MEGA, run: () => decodeAll(megaStream, 4) }),
  measure({ name: 'reject 12 MB line, 64 KiB chunks', n: 1, bytes: OVER, run: () => decodeAll(over12, 1, 1) }),
].map(toRow));

const rejections = [OVER, 48_000_000].map((bytes) => ({ bytes, peak: peakMemory(overCapChunks(bytes)) }));
printTable(`memory while rejecting an over-cap line (cap ${mb(DEFAULT_MAX_LINE_BYTES).toFixed(2)} MB; peaks above the post-GC baseline)`, rejections.map(({ bytes, peak }) => ({
  name: `${mb(bytes)} MB line + 1 valid line`,
  'peak buffered MB': mb(peak.buffered),
  'peak heap Δ MB': mb(peak.heap),
  'peak arrayBuffers Δ MB': mb(peak.arrayBuffers),
  events: peak.events,
})));
