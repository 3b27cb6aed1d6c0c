"""The run directory of `keras_gan.trainer.train`: one training process at a
time, a finished run left untouched, and filesystem failures as one sentence.

- `claim(out_dir)` creates the directory and takes an exclusive
  `fcntl.flock` on it (the directory itself, so no lock file is written and
  a killed process can never leave a stale lock behind). A second process is
  refused at once with the first one's pid and command line.
- `guarded` wraps `train`: it releases the locks the call took and turns the
  `OSError`s of a full disk, a read-only file system or missing permissions
  into one sentence (`RunDirectoryError`, a `ValueError`).
- `is_finished` / `nothing_to_train` let a finished run, run again, train
  nothing and write nothing.
"""

import errno
import fcntl
import functools
import glob
import os
import threading

__all__ = ["RunDirectoryError", "claim", "guarded", "is_finished", "nothing_to_train",
           "describe_os_error"]

# Errors of the file system rather than of the program: they get a sentence.
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
_PATH_ERRORS = (errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.ENAMETOOLONG)

# realpath -> fd of the locked directory, for the locks this process holds.
_held = {}
_held_lock = threading.Lock()


class RunDirectoryError(ValueError):
    """The run directory cannot be used as asked; the message says what to do."""


def _holder(path):
    """Who holds the flock on directory `path`: pid and command line, from
    /proc/locks (Linux); a generic phrase elsewhere."""
    try:
        st = os.stat(path)
        key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        with open("/proc/locks") as f:
            lines = f.read().splitlines()
    except OSError:
        return "another process"
    for line in lines:
        fields = line.split()
        if "FLOCK" in fields and key in fields:
            pid = fields[fields.index(key) - 1]
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                command = ""
            return f"pid {pid}" + (f": {command[:200]}" if command else "")
    return "another process"


def claim(out_dir):
    """Creates `out_dir` if needed and locks it for this process.

    Raises:
        RunDirectoryError: if `out_dir` is a file, cannot be created, or
            another process trains in it.
    """
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise RunDirectoryError(
            f"--out_dir={out_dir} is a file, not a directory; pick another --out_dir.")
    try:
        os.makedirs(out_dir, exist_ok=True)
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise RunDirectoryError(
            f"--out_dir={out_dir} could not be created ({e.strerror}: {e.filename}); "
            "pick a directory you can write to.") from e
    key = os.path.realpath(out_dir)
    with _held_lock:
        if key in _held:  # This process holds it already.
            os.close(fd)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise RunDirectoryError(
                f"{out_dir} is in use by another training run ({_holder(out_dir)}); "
                "wait for it to finish or stop it, or pick another --out_dir.") from None
        _held[key] = fd


def _release(keys):
    with _held_lock:
        for key in keys:
            fd = _held.pop(key, None)
            if fd is not None:
                os.close(fd)  # Closing the last descriptor drops the flock.


def describe_os_error(e, out_dir):
    """One sentence for a file-system `OSError` met during a run of `out_dir`,
    or None when `e` is not one of those."""
    where = e.filename or out_dir
    if e.errno in _DISK_FULL:
        if (e.strerror or "").startswith("No space left on the disk of"):
            return e.strerror  # Checkpoint's own sentence.
        return (f"No space left on the disk of {where} ({e.strerror}); the checkpoints in "
                f"{os.path.join(out_dir, 'checkpoints')} are intact: free some space and run "
                "the same command to resume.")
    if e.errno in _NOT_WRITABLE:
        return (f"Cannot write {where} ({e.strerror}); make it writable or pick another "
                "--out_dir, then run the same command to resume.")
    if e.errno in _PATH_ERRORS:
        return (f"Cannot use {where} ({e.strerror}): a file stands where a directory "
                "should be, or the other way round; move it away or pick another --out_dir.")
    return None


def guarded(train):
    """Decorates `train(config)`: releases the run-directory locks the call
    took, and raises `RunDirectoryError` for file-system errors."""

    @functools.wraps(train)
    def wrapper(config, *args, **kwargs):
        before = set(_held)
        try:
            return train(config, *args, **kwargs)
        except OSError as e:
            sentence = describe_os_error(e, config.out_dir)
            if sentence is None:
                raise
            raise RunDirectoryError(sentence) from e
        finally:
            _release(set(_held) - before)

    return wrapper


def is_finished(out_dir, step, total_steps, export):
    """Whether the run in `out_dir` has trained all its steps and written its
    final model (and export, when asked): then there is nothing to do."""
    if step < total_steps or not os.path.exists(os.path.join(out_dir, "model.keras")):
        return False
    return not export or bool(glob.glob(os.path.join(out_dir, "export", "*.json")))


def nothing_to_train(model, out_dir, step, total_steps, steps_per_epoch, seconds):
    """Says that the run is finished; returns the `TrainResult` fields of a
    run that wrote nothing."""
    print(f"{out_dir} is finished (step {step} of {total_steps}): nothing to train. "
          "Raise --epochs to train further, or pick a new --out_dir.")
    samples = sorted(glob.glob(os.path.join(out_dir, "samples", "samples_epoch_*.png")))
    return dict(model=model, history={}, out_dir=out_dir,
                model_path=os.path.join(out_dir, "model.keras"),
                last_samples=samples[-1] if samples else None,
                epochs_done=step // steps_per_epoch, start_step=step, seconds=seconds,
                step=step)
