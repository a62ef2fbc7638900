import pytest

from ajet_backend.cli import parse_serve_arguments
from ajet_backend.errors import ConfigError


def test_serve_flags_parse() -> None:
    settings = parse_serve_arguments(["serve", "--model", "Qwen/Qwen2.5-0.5B-Instruct", "--port", "50052", "--lora-rank", "16", "--dtype", "bf16", "--max-model-len", "2048", "--token", "secret"])
    assert (settings.port, settings.lora_rank, settings.max_model_len, settings.token) == (50052, 16, 2048, "secret")
    assert settings.host == "0.0.0.0"
    assert parse_serve_arguments(["serve", "--model", "m", "--host", "127.0.0.1", "--port", "0"]).host == "127.0.0.1"


def test_state_root_defaults_to_a_folder_in_the_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_serve_arguments(["serve", "--model", "m"]).state_root == str(tmp_path / "ajet_backend_state")
    assert parse_serve_arguments(["serve", "--model", "m", "--state-root", "states"]).state_root == str(tmp_path / "states")


def test_bad_gpu_share_names_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_serve_arguments(["serve", "--model", "m", "--gpu-memory-utilization", "1.5"])
    assert caught.value.code == "serve_gpu_memory" and "--gpu-memory-utilization" in str(caught.value)
