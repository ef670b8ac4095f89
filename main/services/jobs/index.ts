// Public API of the job services: the series queue on BullMQ/Redis (enqueue, worker, status).
export { enqueueSeries, startWorker, queueStatus, seriesJobId, SeriesUnusable, QUEUE_NAME, ATTEMPTS, type SeriesJobData, type SeriesJobResult, type SeriesProcessor, type QueueStatus, type WorkerThroughput, type RunningWorker, type WorkerOptions, type EnqueueResult } from './queue.js';
export { queueTarget, checkReachable, QueueError, type QueueTarget } from './connection.js';
