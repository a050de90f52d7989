"""One registry per kind of thing: ``LAYERS.get("conv2d")``, ``OPTIMIZERS.get("adam")``.

A registry maps a lower-case name (plus aliases) to a class or factory.  ``create`` accepts
either a bare name or a config dict ``{"name"|"type": ..., **kwargs}`` so the JSON model spec
and Python callers share one path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Registry:
    def __init__(self, kind: str, key: str = "name") -> None:
        self.kind = kind
        self.key = key  # which dict key names the item in a config ("type" for layers)
        self._items: dict[str, Callable[..., Any]] = {}
        self._canonical: dict[str, str] = {}

    def register(
        self, name: str, *aliases: str
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(obj: Callable[..., Any]) -> Callable[..., Any]:
            for alias in (name, *aliases):
                alias = alias.lower()
                if alias in self._items:
                    raise ValueError(f"{self.kind} {alias!r} is registered twice")
                self._items[alias] = obj
                self._canonical[alias] = name.lower()
            obj.registry_name = name.lower()  # type: ignore[attr-defined]
            return obj

        return decorator

    def alias(self, name: str, *aliases: str) -> None:
        """More names for an item already registered (e.g. Keras's "maxpooling2d")."""
        obj = self.get(name)
        for alias in aliases:
            alias = alias.lower()
            if alias in self._items:
                raise ValueError(f"{self.kind} {alias!r} is registered twice")
            self._items[alias] = obj
            self._canonical[alias] = self._canonical[name.lower()]

    def names(self) -> list[str]:
        """Canonical names, without aliases, in registration order."""
        return list(dict.fromkeys(self._canonical.values()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get(self, name: str) -> Callable[..., Any]:
        """The registered class/factory for ``name``; a clear error names the bad value."""
        if not isinstance(name, str) or name.lower() not in self._items:
            raise ValueError(
                f"unknown {self.kind} {name!r}; choose one of: {', '.join(self.names())}"
            )
        return self._items[name.lower()]

    def create(self, config: str | dict[str, Any] | Any, **kwargs: Any) -> Any:
        """Instantiate from a name or a ``{key: name, **params}`` dict (extra kwargs override)."""
        if isinstance(config, str):
            return self.get(config)(**kwargs)
        if isinstance(config, dict):
            params = dict(config)
            name = params.pop(self.key, None)
            if name is None:
                raise ValueError(f"{self.kind} config needs a {self.key!r} field: {config!r}")
            params.update(kwargs)
            try:
                return self.get(name)(**params)
            except TypeError as exc:  # unexpected keyword -> name the bad field
                raise ValueError(f"bad parameters for {self.kind} {name!r}: {exc}") from None
        return config  # already an instance
