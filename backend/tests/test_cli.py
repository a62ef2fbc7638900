import pytest

from ajet_backend.cli import bind_warnings, parse_serve_arguments
from ajet_backend.errors import ConfigError


def test_serve_flags_parse() -> None:
    settings = parse_serve_arguments(["serve", "--model", "Qwen/Qwen2.5-0.5B-Instruct", "--port", "50052", "--lora-rank", "16", "--dtype", "bf16", "--max-model-len", "2048", "--token", "secret"])
    assert (settings.port, settings.lora_rank, settings.max_model_len, settings.token) == (50052, 16, 2048, "secret")
    assert parse_serve_arguments(["serve", "--model", "m", "--host", "0.0.0.0", "--port", "0"]).host == "0.0.0.0"


def test_state_root_defaults_to_a_folder_in_the_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_serve_arguments(["serve", "--model", "m"]).state_root == str(tmp_path / "ajet_backend_state")
    assert parse_serve_arguments(["serve", "--model", "m", "--state-root", "states"]).state_root == str(tmp_path / "states")


def test_bad_gpu_share_names_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_serve_arguments(["serve", "--model", "m", "--gpu-memory-utilization", "1.5"])
    assert caught.value.code == "serve_gpu_memory" and "--gpu-memory-utilization" in str(caught.value)


def test_the_server_binds_loopback_by_default_and_warns_off_loopback_without_a_token() -> None:
    assert parse_serve_arguments(["serve", "--model", "m"]).host == "127.0.0.1"
    assert bind_warnings(host="127.0.0.1", token=None) == []
    assert bind_warnings(host="localhost", token=None) == []
    assert bind_warnings(host="::1", token=None) == []
    assert bind_warnings(host="0.0.0.0", token="secret") == []
    [warning] = bind_warnings(host="0.0.0.0", token=None)
    assert "0.0.0.0" in warning and "--token" in warning
    assert len(bind_warnings(host="10.1.2.3", token=None)) == 1


def test_the_tinker_front_is_off_unless_a_port_is_given() -> None:
    assert parse_serve_arguments(["serve", "--model", "m"]).tinker_port is None
    assert parse_serve_arguments(["serve", "--model", "m", "--tinker-port", "0"]).tinker_port == 0
    with pytest.raises(ConfigError, match="--tinker-port is 70000"):
        parse_serve_arguments(["serve", "--model", "m", "--tinker-port", "70000"])
