/**
 * glibc's malloc hands memory back to the kernel when the free space at the top of its heap passes a
 * trim threshold (128 KiB at first), and serves requests above an mmap threshold (also 128 KiB) with
 * fresh mappings. Both rise on their own, but only once the process frees a mapped block larger than
 * the current mmap threshold: the mmap threshold then becomes that block's size and the trim threshold
 * twice it. Whether a gateway's process had done so by the time traffic came was a matter of chance,
 * and it decided what a body cost: body buffers are freed in batches by V8's garbage collector, and with
 * the small thresholds each batch was trimmed away and the next responses faulted their pages in again.
 * Measured on S3 (100 KB passthrough, 800 req/s, two gateways side by side, one started with this and
 * one without, eight starts each): without, 0.01–15 minor faults a response depending on the start; with
 * it, 0.01–0.03 in every start, and 0.75–0.99 of the CPU per response of the gateway beside it (issue #14).
 *
 * Allocating a block above the initial mmap threshold and dropping it makes a garbage collection free
 * it, which raises both thresholds: to glibc's ceiling for the adjustment, 32 MiB (so 64 MiB of trim
 * threshold). A scavenge can free tens of MB of body buffers at once under such traffic, and with a
 * 4 MiB block (8 MiB of trim threshold) two starts in four still faulted. The block is never written, so
 * it costs no resident memory; what the process keeps is free heap it already used. Where the thresholds
 * were set by the operator (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, which also turn the
 * adjustment off) or another allocator is in use (musl), this changes nothing.
 */
// glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit, less room for the chunk's header and page rounding.
const BLOCK_BYTES = 32 * 1024 * 1024 - 8192;

export function raiseMallocThresholds(): void {
  Buffer.allocUnsafeSlow(BLOCK_BYTES);
}
