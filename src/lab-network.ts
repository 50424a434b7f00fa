/** Pod and service networks RKE uses by default; they must bypass any proxy and must not collide. */
export const CLUSTER_CIDR = '10.42.0.0/16';
export const SERVICE_CIDR = '10.43.0.0/16';
/** The cluster's DNS domain, RKE's default. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** Host addresses below this in the private network are left to the host and gateways. */
export const FIRST_NODE_HOST = 10;

/**
 * The loadbalancer machine's host address unless the spec gives one: below the nodes', so that adding
 * or removing nodes never moves the API endpoint (every certificate names it).
 */
export const API_ENDPOINT_HOST = 9;
