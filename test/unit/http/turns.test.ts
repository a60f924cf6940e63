/**
 * The turn pacer (src/http/turns.ts): requests start in arrival order, a bounded number a turn
 * of the event loop, fewer while connections are arriving, and every one starts in the end.
 */
import { expect, test } from 'vitest';
import {
  ACCEPTING_MS,
  ANSWERS_PER_TURN,
  ANSWERS_PER_TURN_ACCEPTING,
  STARTS_PER_TURN,
  STARTS_PER_TURN_ACCEPTING,
  createTurnPacer,
} from '../../../src/http/turns.js';

/** Runs `count` tasks through `pacer`, and gives how many started in each turn, in order. */
async function startsPerTurn(pacer: ReturnType<typeof createTurnPacer>, count: number): Promise<{ perTurn: number[]; order: number[] }> {
  let turn = 0;
  const perTurn: number[] = [];
  const order: number[] = [];
  let ticking = true;
  const tick = (): void => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  await new Promise<void>((resolve) => {
    for (let i = 0; i < count; i++) {
      pacer.start(() => {
        perTurn[turn] = (perTurn[turn] ?? 0) + 1;
        order.push(i);
        if (order.length === count) resolve();
      });
    }
  });
  ticking = false;
  return { perTurn: perTurn.filter((n) => n !== undefined), order };
}

test('requests start in arrival order, at most STARTS_PER_TURN a turn, and all of them start', async () => {
  const pacer = createTurnPacer();
  const count = STARTS_PER_TURN * 5 + 3;
  const { perTurn, order } = await startsPerTurn(pacer, count);
  expect(order).toEqual([...Array(count).keys()]);
  expect(Math.max(...perTurn)).toBe(STARTS_PER_TURN);
  expect(perTurn.length).toBeGreaterThanOrEqual(6);
  expect(pacer.waiting()).toBe(0);
  expect(pacer.answersPerTurn()).toBe(ANSWERS_PER_TURN);
});

test('while connections arrive, turns are kept short: fewer starts and answers a turn; then large again', async () => {
  let now = 0;
  const pacer = createTurnPacer({ now: () => now });
  pacer.connected();
  expect(pacer.answersPerTurn()).toBe(ANSWERS_PER_TURN_ACCEPTING);
  const { perTurn } = await startsPerTurn(pacer, STARTS_PER_TURN_ACCEPTING * 4);
  expect(Math.max(...perTurn)).toBe(STARTS_PER_TURN_ACCEPTING);
  now += ACCEPTING_MS;
  expect(pacer.answersPerTurn()).toBe(ANSWERS_PER_TURN);
  const after = await startsPerTurn(pacer, STARTS_PER_TURN * 2);
  expect(Math.max(...after.perTurn)).toBe(STARTS_PER_TURN);
});

test('a task that throws does not stop the ones behind it', async () => {
  const errors: unknown[] = [];
  const pacer = createTurnPacer({ onError: (e) => errors.push(e) });
  const started: number[] = [];
  await new Promise<void>((resolve) => {
    pacer.start(() => {
      throw new Error('boom');
    });
    pacer.start(() => {
      started.push(1);
      resolve();
    });
  });
  expect(started).toEqual([1]);
  expect(errors).toEqual([new Error('boom')]);
});
