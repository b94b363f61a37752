"""Package-level behaviour: backend check, a light import, the CLI's help."""

import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, **env):
    full_env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    full_env.update(env, PYTHONPATH=REPO_ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, timeout=120)


def test_other_backend_raises_clear_error():
    proc = _run("import kerasgan", KERAS_BACKEND="jax")
    assert proc.returncode != 0
    assert "kerasgan requires the TensorFlow backend" in proc.stderr
    assert "Received: backend='jax'" in proc.stderr


def test_keras_json_backend_is_respected(tmp_path):
    (tmp_path / "keras.json").write_text('{"backend": "torch"}')
    proc = _run("import kerasgan", KERAS_HOME=str(tmp_path))
    assert proc.returncode != 0
    assert "Received: backend='torch'" in proc.stderr


def test_command_help_does_not_load_tensorflow(tmp_path):
    """The console script `kerasgan --help` answers without importing TensorFlow."""
    script = tmp_path / "kerasgan"  # named like the console script pip generates
    script.write_text("import sys\nfrom kerasgan.cli import main\nsys.exit(main())\n")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["PYTHONPATH"] = REPO_ROOT
    proc = subprocess.run([sys.executable, "-X", "importtime", str(script), "--help"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "train" in proc.stdout and "list" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")]
    assert "kerasgan.cli" in imported
    assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras")]


def test_plain_import_registers_serializable_classes():
    proc = _run("import kerasgan, keras; "
                "print(keras.saving.get_registered_object('kerasgan>GAN').__name__)")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("GAN")


def test_default_backend_is_tensorflow():
    proc = _run("import kerasgan, keras; print(keras.backend.backend())",
                KERAS_HOME="/nonexistent-kerasgan-home")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("tensorflow")


def test_setup_cfg_lists_every_package_and_ships_the_zoo():
    """setup.cfg lists packages by hand (the zoo maps to `kerasgan.zoo`): keep it complete."""
    import configparser

    config = configparser.ConfigParser()
    config.read(os.path.join(REPO_ROOT, "setup.cfg"))
    listed = set(config["options"]["packages"].split())
    on_disk = {
        os.path.relpath(folder, REPO_ROOT).replace(os.sep, ".")
        for folder, _, files in os.walk(os.path.join(REPO_ROOT, "kerasgan"))
        if "__init__.py" in files
    }
    assert listed == on_disk | {"kerasgan.zoo"}
    assert config["options"]["package_dir"].split() == ["kerasgan.zoo", "=", "zoo"]
    patterns = config["options.package_data"]["kerasgan.zoo"]
    assert "*/*.json" in patterns and "*/*.weights.h5" in patterns
