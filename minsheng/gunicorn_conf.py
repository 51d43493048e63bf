"""gunicorn settings of ``minsheng serve`` (``--config python:minsheng.gunicorn_conf``); a
deployment running gunicorn itself may pass the same. Each worker, once it has loaded the app,
starts the warm-up (``minsheng.insight.warmup``) in a background thread: it serves at once,
and the first message posted finds the classifiers loaded and the hotspot index built. Not in
the master: with ``--preload`` a thread there would not survive the fork, and a lock it held
would stay held in the workers."""


def post_worker_init(worker) -> None:
    from minsheng.insight import warmup

    warmup.start()
