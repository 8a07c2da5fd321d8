// What a failover reports when a fencing hook is not configured. Plain strings, no imports: the workflow
// records them itself when no hook is configured at all, the fence activity when only one of them is.
export const NO_MASTER_IP_FAILOVER_HOOK = 'no master_ip_failover hook: the service address was not moved';
export const NO_SHUTDOWN_HOOK = 'no shutdown hook: the dead master was not powered off';
