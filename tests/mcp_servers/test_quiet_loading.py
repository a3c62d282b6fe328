from __future__ import annotations

import pytest

from mcp_servers.quiet_loading import quiet_transformers


def test_settings_come_back_after_the_block_even_on_error() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_info()
    hf_logging.enable_progress_bar()
    try:
        with pytest.raises(RuntimeError), quiet_transformers(progress_bars=False):
            assert hf_logging.get_verbosity() == hf_logging.ERROR
            assert not hf_logging.is_progress_bar_enabled()
            raise RuntimeError("the load failed")
        assert hf_logging.get_verbosity() == hf_logging.INFO
        assert hf_logging.is_progress_bar_enabled()
        with quiet_transformers():
            assert hf_logging.is_progress_bar_enabled()  # bars stay unless asked
    finally:
        hf_logging.set_verbosity_warning()
