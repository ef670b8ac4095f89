// One interactive session over the JSON-lines protocol of issue 9 item 5: a child process prints a step line for the
// proposal, then one per prompt line we write on its stdin. `s3-annotate interactive` and the baselines
// (test/eval/robot/baselines.py) speak it alike, so one robot drives all of them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Click } from './clicks';

/** What a session prints after the proposal (step 0) and after each prompt. */
export interface StepLine {
  readonly step: number;
  readonly mask: string;
  readonly seconds: number;
  readonly iterations: number;
}

export interface SessionCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/** A step line, checked: the protocol is an interface to outside code, so a wrong shape is an error, not undefined. */
export function parseStepLine(line: string): StepLine | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`not a JSON line: ${line.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null) throw new Error(`not a JSON object: ${line.slice(0, 200)}`);
  const v = value as Record<string, unknown>;
  if (typeof v.error === 'string') return { error: v.error };
  if (!Number.isInteger(v.step) || typeof v.mask !== 'string' || typeof v.seconds !== 'number' || typeof v.iterations !== 'number') {
    throw new Error(`step line without step/mask/seconds/iterations: ${line.slice(0, 200)}`);
  }
  return { step: v.step as number, mask: v.mask, seconds: v.seconds, iterations: v.iterations };
}

/**
 * A running session. next() waits for the next step line (bounded by timeoutMs); click() sends one click and waits
 * for its step. close() ends stdin (the protocol's end of session) and waits for the exit, killing it past the limit.
 */
export class InteractiveSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private stderr = '';
  private readonly exited: Promise<number>;

  constructor(private readonly cmd: SessionCommand, private readonly timeoutMs: number) {
    this.child = spawn(cmd.command, [...cmd.args], { cwd: cmd.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        this.ended = true;
        this.waiting?.(undefined);
        resolve(code ?? 1);
      });
      this.child.on('error', (err) => {
        this.stderr += `\n${err.message}`;
        this.ended = true;
        this.waiting?.(undefined);
        resolve(127);
      });
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.trim()) return;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.lines.push(line);
    });
  }

  private describe(): string {
    return `${this.cmd.command} ${this.cmd.args.join(' ')}`;
  }

  /** The next step line; an {"error": …} line or an early exit is an Error naming the command and its stderr. */
  async next(): Promise<StepLine> {
    const line = this.lines.shift() ?? (await this.readLine());
    if (line === undefined) throw new Error(`${this.describe()} ended without a step line:\n${this.stderr.trim()}`);
    const parsed = parseStepLine(line);
    if ('error' in parsed) throw new Error(`${this.describe()}: ${parsed.error}`);
    return parsed;
  }

  private readLine(): Promise<string | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.child.kill('SIGKILL');
        reject(new Error(`${this.describe()}: no step line within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
    });
  }

  /** Writes one raw line (a prompt in the protocol's words, or anything, to test how bad input is answered). */
  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Sends one click in the protocol's words and waits for its step; returns it with the wall-clock seconds. */
  async click(c: Click): Promise<{ step: StepLine; wallSeconds: number }> {
    const started = performance.now();
    this.send(JSON.stringify({ prompt: 'click', x: c.x, y: c.y, label: c.label }));
    const step = await this.next();
    return { step, wallSeconds: (performance.now() - started) / 1000 };
  }

  async close(): Promise<number> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), this.timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
