"""The RKE1 cluster.yml schema (rancher/rke types/rke_types.go), as nested key sets.

A leaf is a type name: str, int, bool, num (int or str, e.g. ports), map (free-form
mapping), list (free-form list), strlist, any. RKE reads cluster.yml with a non-strict
parser, so an unknown key is silently ignored by RKE; the assessor warns about it.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

BASE_SERVICE: Schema = {
    "image": "str",
    "extra_args": "map",
    "extra_args_array": "map",
    "extra_binds": "strlist",
    "extra_env": "strlist",
    "win_extra_args": "map",
    "win_extra_args_array": "map",
    "win_extra_binds": "strlist",
    "win_extra_env": "strlist",
}

S3_BACKUP: Schema = {
    "access_key": "str",
    "secret_key": "str",
    "bucket_name": "str",
    "region": "str",
    "endpoint": "str",
    "custom_ca": "str",
    "folder": "str",
}

SERVICES: Schema = {
    "etcd": {
        **BASE_SERVICE,
        "external_urls": "strlist",
        "ca_cert": "str",
        "cert": "str",
        "key": "str",
        "path": "str",
        "uid": "int",
        "gid": "int",
        "snapshot": "bool",
        "creation": "str",
        "retention": "str",
        "backup_config": {
            "enabled": "bool",
            "interval_hours": "int",
            "retention": "int",
            "s3backupconfig": S3_BACKUP,
            "safe_timestamp": "bool",
            "timeout": "int",
        },
    },
    "kube-api": {
        **BASE_SERVICE,
        "service_cluster_ip_range": "str",
        "service_node_port_range": "str",
        "pod_security_policy": "bool",  # removed from RKE's types in v1.6.0; still found in old files
        "pod_security_configuration": "str",
        "always_pull_images": "bool",
        "secrets_encryption_config": {"enabled": "bool", "custom_config": "map"},
        "audit_log": {"enabled": "bool", "configuration": "map"},
        "admission_configuration": "map",
        "event_rate_limit": {"enabled": "bool", "configuration": "map"},
    },
    "kube-controller": {**BASE_SERVICE, "cluster_cidr": "str", "service_cluster_ip_range": "str"},
    "scheduler": BASE_SERVICE,
    "kubelet": {
        **BASE_SERVICE,
        "cluster_domain": "str",
        "cluster_dns_server": "str",
        "infra_container_image": "str",
        "fail_swap_on": "bool",
        "generate_serving_certificate": "bool",
    },
    "kubeproxy": BASE_SERVICE,
}

NODE: Schema = {
    "address": "str",
    "port": "num",
    "internal_address": "str",
    "role": "strlist",
    "hostname_override": "str",
    "user": "str",
    "docker_socket": "str",
    "ssh_agent_auth": "bool",
    "ssh_key": "str",
    "ssh_key_path": "str",
    "ssh_cert": "str",
    "ssh_cert_path": "str",
    "labels": "map",
    "taints": "list",
    "nodeName": "str",
}

UPDATE_STRATEGY = "map"  # camelCase JSON bodies (strategy, rollingUpdate, maxUnavailable)

CLUSTER: Schema = {
    "nodes": [NODE],
    "services": SERVICES,
    "network": {
        "plugin": "str",
        "options": "map",
        "mtu": "int",
        "calico_network_provider": "map",
        "canal_network_provider": "map",
        "flannel_network_provider": "map",
        "weave_network_provider": "map",
        "aci_network_provider": "map",
        "node_selector": "map",
        "update_strategy": UPDATE_STRATEGY,
        "tolerations": "list",
    },
    "authentication": {"strategy": "str", "sans": "strlist", "webhook": {"config_file": "str", "cache_timeout": "str"}},
    "addons": "str",
    "addons_include": "strlist",
    "system_images": "map",
    "ssh_key_path": "str",
    "ssh_cert_path": "str",
    "ssh_agent_auth": "bool",
    "authorization": {"mode": "str", "options": "map"},
    "ignore_docker_version": "bool",
    "enable_cri_dockerd": "bool",
    "kubernetes_version": "str",
    "private_registries": [
        {"url": "str", "user": "str", "password": "str", "is_default": "bool", "ecr_credential_plugin": "map"}
    ],
    "ingress": {
        "provider": "str",
        "options": "map",
        "node_selector": "map",
        "extra_args": "map",
        "dns_policy": "str",
        "extra_envs": "list",
        "extra_volumes": "list",
        "extra_volume_mounts": "list",
        "update_strategy": UPDATE_STRATEGY,
        "http_port": "int",
        "https_port": "int",
        "network_mode": "str",
        "tolerations": "list",
        "default_backend": "bool",
        "default_http_backend_priority_class_name": "str",
        "nginx_ingress_controller_priority_class_name": "str",
        "default_ingress_class": "bool",
    },
    "cluster_name": "str",
    "cloud_provider": {
        "name": "str",
        "useInstanceMetadataHostname": "bool",
        "awsCloudProvider": "map",
        "azureCloudProvider": "map",
        "openstackCloudProvider": "map",
        "vsphereCloudProvider": "map",
        "harvesterCloudProvider": "map",
        "customCloudProvider": "str",
    },
    "prefix_path": "str",
    "win_prefix_path": "str",
    "addon_job_timeout": "int",
    "bastion_host": {
        "address": "str",
        "port": "num",
        "user": "str",
        "ssh_agent_auth": "bool",
        "ssh_key": "str",
        "ssh_key_path": "str",
        "ssh_cert": "str",
        "ssh_cert_path": "str",
        "ignore_proxy_env_vars": "bool",
    },
    "monitoring": {
        "provider": "str",
        "options": "map",
        "node_selector": "map",
        "update_strategy": UPDATE_STRATEGY,
        "replicas": "int",
        "tolerations": "list",
        "metrics_server_priority_class_name": "str",
    },
    "restore": {"restore": "bool", "snapshot_name": "str"},
    "rotate_certificates": {"cacertificates": "bool", "services": "strlist"},
    "rotate_encryption_key": "bool",
    "dns": {
        "provider": "str",
        "options": "map",
        "upstreamnameservers": "strlist",
        "reversecidrs": "strlist",
        "stubdomains": "map",
        "node_selector": "map",
        "nodelocal": "map",
        "update_strategy": UPDATE_STRATEGY,
        "linear_autoscaler_params": "map",
        "tolerations": "list",
    },
    "upgrade_strategy": {
        "max_unavailable_worker": "num",
        "max_unavailable_controlplane": "num",
        "drain": "bool",
        "node_drain_input": {
            "force": "bool",
            "ignore_daemonsets": "bool",
            "delete_local_data": "bool",
            "grace_period": "int",
            "timeout": "int",
        },
    },
    "cri_dockerd_stream_server_address": "str",
    "cri_dockerd_stream_server_port": "num",
}

# Keys whose values are secrets: never printed, only reported as present.
SECRET_KEYS = frozenset(
    {"ssh_key", "ssh_cert", "password", "secret_key", "aws_secret_access_key", "aws_session_token", "key"}
)
