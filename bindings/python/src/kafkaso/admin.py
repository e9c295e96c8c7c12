"""AdminClient and its request types, as confluent_kafka.admin has them.
The library's admin calls wait for their answer, so every future this
module returns is already done when the call returns."""
from __future__ import annotations

from concurrent.futures import Future
from enum import Enum
from typing import Any, Dict, List, Optional, Union

from ._core import (OFFSET_INVALID, BrokerMetadata, Client, ClusterMetadata, KafkaError, KafkaException,
                    PartitionMetadata, Text, TopicMetadata, TopicPartition, call, call_json, timeout_ms)
from ._kafka import ffi, lib

__all__ = ["AdminClient", "NewTopic", "NewPartitions", "ConfigResource", "ConfigEntry", "ConfigSource", "ResourceType",
           "ClusterMetadata", "BrokerMetadata", "TopicMetadata", "PartitionMetadata", "ConsumerGroupState",
           "ConsumerGroupListing", "ListConsumerGroupsResult", "ConsumerGroupDescription", "MemberDescription",
           "MemberAssignment", "Node", "ConsumerGroupTopicPartitions", "KafkaError", "KafkaException",
           "TopicPartition"]


class NewTopic:
    def __init__(self, topic: str, num_partitions: int = -1, replication_factor: int = -1,
                 replica_assignment: Optional[List[List[int]]] = None, config: Optional[Dict[str, str]] = None):
        if replica_assignment:
            raise NotImplementedError("replica_assignment: kafka.so's CreateTopics takes counts only")
        self.topic, self.num_partitions, self.replication_factor = topic, num_partitions, replication_factor
        self.replica_assignment = replica_assignment
        self.config = dict(config or {})

    def __repr__(self) -> str:
        return f"NewTopic(topic={self.topic},num_partitions={self.num_partitions})"


class NewPartitions:
    def __init__(self, topic: str, new_total_count: int, replica_assignment: Optional[List[List[int]]] = None):
        self.topic, self.new_total_count, self.replica_assignment = topic, new_total_count, replica_assignment

    def __repr__(self) -> str:
        return f"NewPartitions(topic={self.topic},new_total_count={self.new_total_count})"


class ResourceType(Enum):
    UNKNOWN = 0
    ANY = 1
    TOPIC = 2
    GROUP = 3
    BROKER = 4
    TRANSACTIONAL_ID = 5


class ConfigSource(Enum):
    UNKNOWN_CONFIG = 0
    DYNAMIC_TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5
    GROUP_CONFIG = 8


class ConfigEntry:
    def __init__(self, name: str, value: Optional[str], source: ConfigSource = ConfigSource.UNKNOWN_CONFIG,
                 is_read_only: bool = False, is_default: bool = False, is_sensitive: bool = False,
                 is_synonym: bool = False, synonyms: Optional[list] = None):
        self.name, self.value, self.source = name, value, source
        self.is_read_only, self.is_default, self.is_sensitive = is_read_only, is_default, is_sensitive
        self.is_synonym, self.synonyms = is_synonym, synonyms or []

    def __repr__(self) -> str:
        return f'ConfigEntry({self.name}="{self.value}")'

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ConfigResource:
    """A topic, broker or group and, for alter_configs, the settings to change."""

    _NAMES = {ResourceType.TOPIC: "topic", ResourceType.BROKER: "broker", ResourceType.GROUP: "group"}

    def __init__(self, restype: Union[ResourceType, str, int], name: str, set_config: Optional[Dict[str, str]] = None,
                 described_configs: Any = None, error: Optional[KafkaError] = None):
        if isinstance(restype, str):
            restype = ResourceType[restype.upper()]
        elif isinstance(restype, int):
            restype = ResourceType(restype)
        self.restype, self.name = restype, name
        self.set_config_dict: Dict[str, Optional[str]] = dict(set_config or {})
        self.configs = described_configs
        self.error = error

    def set_config(self, name: str, value: Optional[str], overwrite: bool = True) -> None:
        if not overwrite and name in self.set_config_dict:
            return
        self.set_config_dict[name] = value

    def _type(self) -> bytes:
        try:
            return self._NAMES[self.restype].encode()
        except KeyError:
            raise ValueError(f"{self.restype}: kafka.so configures topics, brokers and groups") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigResource) and (self.restype, self.name) == (other.restype, other.name)

    def __hash__(self) -> int:
        return hash((self.restype, self.name))

    def __repr__(self) -> str:
        return f"ConfigResource({self.restype},{self.name})"


class ConsumerGroupState(Enum):
    UNKNOWN = 0
    PREPARING_REBALANCING = 1
    COMPLETING_REBALANCING = 2
    STABLE = 3
    DEAD = 4
    EMPTY = 5


_STATES = {"PreparingRebalance": ConsumerGroupState.PREPARING_REBALANCING,
           "CompletingRebalance": ConsumerGroupState.COMPLETING_REBALANCING, "Stable": ConsumerGroupState.STABLE,
           "Dead": ConsumerGroupState.DEAD, "Empty": ConsumerGroupState.EMPTY}


def _state(text: str) -> ConsumerGroupState:
    return _STATES.get(text, ConsumerGroupState.UNKNOWN)


class ConsumerGroupListing:
    def __init__(self, group_id: str, is_simple_consumer_group: bool, state: ConsumerGroupState = ConsumerGroupState.UNKNOWN,
                 type: Any = None):
        self.group_id, self.is_simple_consumer_group, self.state, self.type = group_id, is_simple_consumer_group, state, type


class ListConsumerGroupsResult:
    def __init__(self, valid: Optional[List[ConsumerGroupListing]] = None, errors: Optional[list] = None):
        self.valid, self.errors = valid or [], errors or []


class Node:
    def __init__(self, id: int, host: str, port: int, rack: Optional[str] = None):
        self.id, self.id_string, self.host, self.port, self.rack = id, str(id), host, port, rack


class MemberAssignment:
    def __init__(self, topic_partitions: Optional[List[TopicPartition]] = None):
        self.topic_partitions = topic_partitions or []


class MemberDescription:
    def __init__(self, member_id: str, client_id: str, host: str, assignment: MemberAssignment,
                 group_instance_id: Optional[str] = None, target_assignment: Any = None):
        self.member_id, self.client_id, self.host, self.assignment = member_id, client_id, host, assignment
        self.group_instance_id, self.target_assignment = group_instance_id, target_assignment


class ConsumerGroupDescription:
    def __init__(self, group_id: str, is_simple_consumer_group: bool, members: List[MemberDescription],
                 partition_assignor: str, state: ConsumerGroupState, coordinator: Optional[Node] = None, **_: Any):
        self.group_id, self.is_simple_consumer_group, self.members = group_id, is_simple_consumer_group, members
        self.partition_assignor, self.state, self.coordinator = partition_assignor, state, coordinator


class ConsumerGroupTopicPartitions:
    def __init__(self, group_id: str, topic_partitions: Optional[List[TopicPartition]] = None):
        self.group_id, self.topic_partitions = group_id, topic_partitions


def _done(value: Any = None, error: Optional[BaseException] = None) -> Future:
    f: Future = Future()
    if error is not None:
        f.set_exception(error)
    else:
        f.set_result(value)
    return f


def _ms(operation_timeout: Optional[float], request_timeout: Optional[float], default: float = 30) -> int:
    seconds = max(operation_timeout or 0, request_timeout or 0) or default
    return timeout_ms(seconds)


class AdminClient(Client):
    """AdminClient(conf), as confluent-kafka's."""

    def _release(self) -> None:
        h, self._h = self._h, None
        if h is not None:
            lib.UninitProducer(h)

    def __del__(self) -> None:
        try:
            self._release()
        except Exception:
            pass

    def _per_item(self, names: List[str], run: Any) -> Dict[str, Future]:
        """Runs a per-item call: run(names, errors, text) -> status; a future per name."""
        n = len(names)
        errors, text = ffi.new("int32_t[]", max(n, 1)), Text()
        rc = run("\n".join(names).encode(), errors, text)
        out = {}
        for i, name in enumerate(names):
            code = errors[i] or (rc if rc and not any(errors[j] for j in range(n)) else 0)
            out[name] = _done(error=KafkaException(KafkaError(code, text.text() if code == rc else None))) if code \
                else _done(None)
        return out

    def create_topics(self, new_topics: List[NewTopic], operation_timeout: float = 0, request_timeout: float = 0,
                      validate_only: bool = False) -> Dict[str, Future]:
        """A future per topic, done (None, or a KafkaException such as TOPIC_ALREADY_EXISTS)."""
        ms = _ms(operation_timeout, request_timeout)
        out: Dict[str, Future] = {}
        # The library applies one config to every topic of a call: one call per distinct config.
        groups: Dict[bytes, List[NewTopic]] = {}
        for t in new_topics:
            config = "\n".join(f"{k}={v}" for k, v in sorted(t.config.items())).encode()
            groups.setdefault(config, []).append(t)
        for config, topics in groups.items():
            parts = ffi.new("int32_t[]", [t.num_partitions for t in topics])
            repl = ffi.new("int32_t[]", [t.replication_factor for t in topics])
            out.update(self._per_item([t.topic for t in topics], lambda names, errors, text: lib.CreateTopics(
                self._handle(), names, parts, repl, len(topics), config, int(validate_only), ms, errors, text.buf,
                text.len)))
        return out

    def delete_topics(self, topics: List[str], operation_timeout: float = 0, request_timeout: float = 0) -> Dict[str, Future]:
        ms = _ms(operation_timeout, request_timeout)
        return self._per_item(list(topics), lambda names, errors, text: lib.DeleteTopics(
            self._handle(), names, len(topics), ms, errors, text.buf, text.len))

    def create_partitions(self, new_partitions: List[NewPartitions], operation_timeout: float = 0,
                          request_timeout: float = 0, validate_only: bool = False) -> Dict[str, Future]:
        ms = _ms(operation_timeout, request_timeout)
        totals = ffi.new("int32_t[]", [p.new_total_count for p in new_partitions] or [0])
        return self._per_item([p.topic for p in new_partitions], lambda names, errors, text: lib.CreatePartitions(
            self._handle(), names, totals, len(new_partitions), int(validate_only), ms, errors, text.buf, text.len))

    def describe_configs(self, resources: List[ConfigResource], request_timeout: float = 0) -> Dict[ConfigResource, Future]:
        """A future per resource: a dict of setting name to ConfigEntry."""
        ms = _ms(None, request_timeout)
        out = {}
        for r in resources:
            try:
                doc = call_json(lib.DescribeConfigs, self._handle(), r._type(), r.name.encode(), ms)
            except KafkaException as e:
                out[r] = _done(error=e)
                continue
            entries = {c["name"]: ConfigEntry(c["name"], c["value"], ConfigSource[c["source"]]
                                              if c["source"] in ConfigSource.__members__ else ConfigSource.UNKNOWN_CONFIG,
                                              c["read_only"], c["default"], c["sensitive"])
                       for c in doc["configs"]}
            out[r] = _done(entries)
        return out

    def alter_configs(self, resources: List[ConfigResource], request_timeout: float = 0,
                      validate_only: bool = False) -> Dict[ConfigResource, Future]:
        """Sets each resource's set_config entries (None: back to the default).
        Unlike librdkafka's non-incremental AlterConfigs, settings not named
        keep their values: kafka.so alters incrementally."""
        ms = _ms(None, request_timeout)
        out = {}
        for r in resources:
            lines = "\n".join(k if v is None else f"{k}={v}" for k, v in r.set_config_dict.items()).encode()
            try:
                if not validate_only:
                    call(lib.AlterConfigs, self._handle(), r._type(), r.name.encode(), lines, ms)
                out[r] = _done(None)
            except KafkaException as e:
                out[r] = _done(error=e)
        return out

    def list_consumer_groups(self, request_timeout: Optional[float] = None, states: Any = None,
                             types: Any = None) -> Future:
        ms = _ms(None, request_timeout)
        try:
            doc = call_json(lib.ListGroups, self._handle(), ms)
        except KafkaException as e:
            return _done(error=e)
        wanted = set(states or [])
        valid = [ConsumerGroupListing(g["group"], g["simple"], _state(g["state"])) for g in doc["groups"]]
        return _done(ListConsumerGroupsResult([g for g in valid if not wanted or g.state in wanted]))

    def describe_consumer_groups(self, group_ids: List[str], request_timeout: Optional[float] = None,
                                 include_authorized_operations: bool = False) -> Dict[str, Future]:
        ms = _ms(None, request_timeout)
        out = {}
        for gid in group_ids:
            try:
                d = call_json(lib.DescribeGroup, self._handle(), gid.encode(), ms)
            except KafkaException as e:
                out[gid] = _done(error=e)
                continue
            members = [MemberDescription(m["member_id"], m["client_id"], m["host"],
                                         MemberAssignment([TopicPartition(a["topic"], a["partition"])
                                                           for a in m["assignment"]]))
                       for m in d["members"]]
            c = d.get("coordinator") or {}
            node = Node(c["id"], c["host"], c["port"]) if c else None
            out[gid] = _done(ConsumerGroupDescription(d["group"], d["simple"], members, d.get("protocol") or "",
                                                      _state(d["state"]), node))
        return out

    def delete_consumer_groups(self, group_ids: List[str], request_timeout: Optional[float] = None) -> Dict[str, Future]:
        ms = _ms(None, request_timeout)
        out = {}
        for gid in group_ids:
            try:
                call(lib.DeleteGroup, self._handle(), gid.encode(), ms)
                out[gid] = _done(None)
            except KafkaException as e:
                out[gid] = _done(error=e)
        return out

    def list_consumer_group_offsets(self, list_consumer_group_offsets_request: List[ConsumerGroupTopicPartitions],
                                    require_stable: bool = False, request_timeout: Optional[float] = None) -> Dict[str, Future]:
        """A future per group: its committed offsets (the next offset it will read)."""
        ms = _ms(None, request_timeout)
        out = {}
        for req in list_consumer_group_offsets_request:
            try:
                rows = call_json(lib.GroupLag, self._handle(), req.group_id.encode(), ms)["partitions"]
            except KafkaException as e:
                out[req.group_id] = _done(error=e)
                continue
            committed = {(r["topic"], r["partition"]): r["committed"] for r in rows if r["committed"] is not None}
            if req.topic_partitions:
                tps = [TopicPartition(tp.topic, tp.partition, committed.get((tp.topic, tp.partition), OFFSET_INVALID))
                       for tp in req.topic_partitions]
            else:
                tps = [TopicPartition(t, p, o) for (t, p), o in sorted(committed.items())]
            out[req.group_id] = _done(ConsumerGroupTopicPartitions(req.group_id, tps))
        return out

    def lag(self, group: str, timeout: float = 10) -> List[Dict[str, Any]]:
        """The group's lag table, as kafka-consumer-groups --describe shows it:
        a dict per partition with topic, partition, committed, end, lag,
        member_id, client_id and host."""
        return call_json(lib.GroupLag, self._handle(), group.encode(), int(timeout * 1000))["partitions"]

    def poll(self, timeout: Optional[float] = None) -> int:
        """Serves error_cb and stats_cb; admin results need no polling here."""
        return self._serve_events()

    def close(self) -> None:
        self._release()
