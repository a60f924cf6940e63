/**
 * CPU seconds and peak resident memory of one process over a section, read from /proc: every
 * 100 ms while it runs, so that a process that has exited keeps its last reading.
 */
import { readFileSync } from 'node:fs';

export class ProcessMeter {
  #cpuStart = 0;
  #cpu = 0;
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;
  constructor(private readonly pid: number) {}
  /** Reads the process's CPU time and resident memory; nothing when it has exited. */
  #read(): void {
    try {
      // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100/s on Linux).
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      this.#cpu = (Number(fields[11]) + Number(fields[12])) / 100;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (m) this.#peak = Math.max(this.#peak, Number(m[1]) / 1024);
    } catch {
      // the process has exited: its last reading stands
    }
  }
  start(): void {
    this.#peak = 0;
    this.#read();
    this.#cpuStart = this.#cpu;
    this.#timer = setInterval(() => this.#read(), 100);
  }
  /** The figures so far, without stopping. */
  read(): { cpuSeconds: number; peakRssMiB: number } {
    this.#read();
    return { cpuSeconds: this.#cpu - this.#cpuStart, peakRssMiB: this.#peak };
  }
  stop(): { cpuSeconds: number; peakRssMiB: number } {
    clearInterval(this.#timer);
    return this.read();
  }
}
