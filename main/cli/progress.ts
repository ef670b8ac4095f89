// A one-line progress display on stderr, drawn only when stderr is a terminal.
import type { TrainProgress } from '../../model/types';

export interface ProgressDisplay {
  update(name: string, p: TrainProgress): void;
  done(name: string): void;
}

export function progressDisplay(stream: NodeJS.WriteStream, total: number): ProgressDisplay {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let finished = 0;
  const lines = new Map<string, string>();
  const draw = () => {
    const width = 20;
    const filled = Math.round((finished / Math.max(1, total)) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${total}`;
    stream.write(`\r\x1b[K${bar}  ${[...lines.values()].join('  ')}`.slice(0, (stream.columns ?? 120) - 1));
  };
  return {
    update(name, p) {
      lines.set(name, `${name}: it ${p.iteration}/${p.maxIterations} loss ${p.loss.toFixed(2)} labels ${p.labels}`);
      draw();
    },
    done(name) {
      lines.delete(name);
      finished++;
      if (finished >= total) stream.write('\r\x1b[K');
      else draw();
    },
  };
}
