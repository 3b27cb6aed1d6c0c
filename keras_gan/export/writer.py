"""The one writer of exports: stage every file, check it, then publish.

Every family's export goes through `write_export`: its files are written to a
staging directory inside `export_dir`, checked against the Keras model there,
and only then renamed into place (the JSON last), so a failed, interrupted or
mismatching export never leaves a half-written version, nor a SavedModel
without its TFLite files and JSON. The family gives the functions that write
its SavedModel, its TFLite files and its metadata, and its parity check.
"""

import errno
import json
import os
import shutil
import tempfile

import tensorflow as tf

__all__ = ["ExportError", "TFLITE_VARIANTS", "check_model_name", "check_target",
           "check_variant", "version_path", "write_export", "write_json"]

TFLITE_VARIANTS = ("float32", "float16")


class ExportError(ValueError):
    """An export cannot be done as asked; the message says what to change."""


def check_model_name(model_name):
    if not isinstance(model_name, str) or not model_name or "/" in model_name:
        raise ExportError(
            f"model_name must be a non-empty name without '/'. Received: model_name={model_name!r}"
        )


def check_variant(variant):
    if variant not in TFLITE_VARIANTS:
        raise ExportError(
            f"variant must be one of {TFLITE_VARIANTS}. Received: variant={variant!r}")


def check_target(path, overwrite):
    if os.path.exists(path) and not overwrite:
        raise ExportError(
            f"{path} exists already; pick another version or pass overwrite=True "
            "(--overwrite)."
        )


def replace(tmp, path):
    """Moves a finished temporary file or directory into place."""
    if os.path.isdir(path):
        old = path + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(path, old)
        os.rename(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def version_path(export_dir, model_name, version, overwrite, create=True):
    """The directory of SavedModel `version` under `<export_dir>/<model_name>`
    (the next free version when None), checked not to exist unless
    `overwrite`; `create` makes `<export_dir>/<model_name>`."""
    base = os.path.join(export_dir, model_name)
    if create:
        os.makedirs(base, exist_ok=True)
    if version is None:
        present = [int(d) for d in os.listdir(base) if d.isdigit()] if os.path.isdir(base) else []
        version = max(present, default=0) + 1
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExportError(f"version must be a positive int. Received: version={version!r}")
    path = os.path.join(base, str(version))
    check_target(path, overwrite)
    return path


def _file_system_error(e, export_dir):
    """One sentence for a failed write of the export, or None when `e` is
    not a file-system failure."""
    code = getattr(e, "errno", None)
    text = getattr(e, "strerror", None) or (str(e).strip().splitlines() or [""])[-1]
    if code in (errno.ENOSPC, errno.EDQUOT) or isinstance(e, tf.errors.ResourceExhaustedError) \
            or "No space left" in str(e):
        return (f"No space left on the disk of {export_dir} for the export ({text[:200]}); "
                "nothing was written: free some space and export again.")
    if code in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOTDIR, errno.EEXIST) \
            or isinstance(e, tf.errors.PermissionDeniedError) \
            or "Read-only file system" in str(e) or "Permission denied" in str(e):
        return (f"Cannot write the export to {export_dir} ({text[:200]}); pick a directory "
                "you can write to.")
    return None


def write_export(export_dir, model_name, version, overwrite, tflite, write_saved_model_to,
                 write_tflite_to, metadata_of, check=None):
    """Stages, checks and publishes an export (shared by every family).

    Args:
        write_saved_model_to: function(path) writing the SavedModel at path.
        write_tflite_to: function(path, variant) writing one TFLite file.
        metadata_of: function(files) -> the metadata dict for final paths.
        check: None or function(files) -> parity dict, raising ExportError.

    Returns:
        The metadata dict, with `parity` when checked.
    """
    check_model_name(model_name)
    for variant in tflite:
        check_variant(variant)
    created = None
    staging = None
    try:
        if not os.path.isdir(export_dir):
            created = export_dir
            while os.path.dirname(os.path.abspath(created)) and not os.path.exists(
                    os.path.dirname(os.path.abspath(created))):
                created = os.path.dirname(os.path.abspath(created))
            os.makedirs(export_dir)
        final = {"saved_model": version_path(export_dir, model_name, version, overwrite,
                                             create=False)}
        for variant in tflite:
            final[f"tflite_{variant}"] = os.path.join(export_dir, f"{model_name}.{variant}.tflite")
            check_target(final[f"tflite_{variant}"], True)
        json_path = os.path.join(export_dir, f"{model_name}.json")
        staging = tempfile.mkdtemp(prefix=f".{model_name}.staging-", dir=export_dir)
        staged = {"saved_model": write_saved_model_to(os.path.join(staging, "saved_model"))}
        for variant in tflite:
            key = f"tflite_{variant}"
            staged[key] = write_tflite_to(os.path.join(staging, os.path.basename(final[key])),
                                          variant)
        parity = None
        if check is not None:
            try:
                parity = check(staged)
            except ExportError as e:
                raise ExportError(f"{e} Nothing was written to {export_dir}.") from e
        info = metadata_of(final)
        if parity is not None:
            info["parity"] = parity
        write_json(info, os.path.join(staging, "metadata.json"))
        # Publish: renames only (no new space needed), the JSON last, so a
        # JSON in export_dir means a complete, checked export.
        os.makedirs(os.path.dirname(final["saved_model"]), exist_ok=True)
        for key, path in final.items():
            if key != "saved_model":
                os.replace(staged[key], path)
        replace(staged["saved_model"], final["saved_model"])
        os.replace(os.path.join(staging, "metadata.json"), json_path)
        return info
    except (OSError, tf.errors.OpError) as e:
        sentence = _file_system_error(e, export_dir)
        if sentence is None:
            raise
        raise ExportError(sentence) from e
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if created is not None and os.path.isdir(created) and not _has_files(created):
            shutil.rmtree(created, ignore_errors=True)


def _has_files(directory):
    return any(files for _, _, files in os.walk(directory))


def write_json(info, path):
    """Writes `info` as JSON to `path` through a renamed temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=".json-", dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as f:
        json.dump(info, f, indent=2)
    os.replace(tmp, path)
