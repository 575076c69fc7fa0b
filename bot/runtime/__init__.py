"""The process: taking updates (ingress, intake), delivering the outbox (sender), timed jobs
(scheduler), the HTTP server, metrics, settings and logs, and the wiring of one process."""
