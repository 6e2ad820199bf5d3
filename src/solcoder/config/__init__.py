"""SolCoder's settings: typed keys, their precedence, and the config files that hold them.

Precedence, highest first: command-line flag > environment (SOLCODER_<SECTION>_<KEY> and a few
short aliases) > the nearest project `.solcoder/config.toml` > `$SOLCODER_HOME/config.toml` >
defaults. `SETTINGS` (in `schema`) is the registry every other view is derived from.

Importing this package is cheap (stdlib tomllib and dataclasses); tomlkit is loaded only when a
file is written.
"""

from solcoder.config.config_file import CURRENT_SCHEMA_VERSION, read_config_file
from solcoder.config.loader import (
    CONFIG_FILE_NAME,
    PROJECT_DIR_NAME,
    Settings,
    find_project_config,
    load_settings,
)
from solcoder.config.schema import (
    SETTINGS,
    LLMSettings,
    MCPSettings,
    SessionsSettings,
    TelemetrySettings,
    UISettings,
    closest_keys,
    format_value,
    lookup,
)
from solcoder.config.values import SettingSpec
from solcoder.config.writer import (
    ensure_home,
    first_run_config,
    set_project_value,
    set_user_value,
    unset_project_value,
    unset_user_value,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "CURRENT_SCHEMA_VERSION",
    "PROJECT_DIR_NAME",
    "SETTINGS",
    "LLMSettings",
    "MCPSettings",
    "SessionsSettings",
    "SettingSpec",
    "Settings",
    "TelemetrySettings",
    "UISettings",
    "closest_keys",
    "ensure_home",
    "find_project_config",
    "first_run_config",
    "format_value",
    "load_settings",
    "lookup",
    "read_config_file",
    "set_project_value",
    "set_user_value",
    "unset_project_value",
    "unset_user_value",
]
