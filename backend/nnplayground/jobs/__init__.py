"""The one job system: every kind of background work (a training run, a lab job, a search
trial) is a job with one status model, run by an executor, reporting through one event
stream and recorded in one store.

    service.JobService -- what routers call: create, control, read, infer
      executor.LocalExecutor -- a bounded pool of worker threads and one queue that takes
        owners in turn (fair.py; FIFO for one owner)
        context.JobContext -- all that job code sees: emit, stop?, pause, lr, weights
      recorder.Recorder -- turns events into live state and store rows
      hub.Hub -- fans events out to WebSocket clients
      store.SqliteJobStore -- jobs, epochs, steps and lab events

On a cluster (NNPG_EXECUTOR=ray, NNPG_DATABASE_URL=postgresql://...): ray_executor,
ray_actor, ray_context and relay run the same jobs on Ray, and pg_store keeps them.

Job code (this package, the labs and the engine) never imports the web layer; an
import-linter contract in pyproject.toml keeps it so.
"""
