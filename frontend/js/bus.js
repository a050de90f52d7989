// A small event bus: components talk through named events instead of a central controller.
const handlers = new Map();

export const bus = {
  on(type, fn) {
    if (!handlers.has(type)) handlers.set(type, new Set());
    handlers.get(type).add(fn);
    return () => handlers.get(type)?.delete(fn);
  },
  emit(type, data) {
    for (const fn of handlers.get(type) || []) fn(data);
  },
};
