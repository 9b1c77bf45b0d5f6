/**
 * {@code keyward dev}: a throwaway local cluster (kube-api-test's kube-apiserver and etcd, CRDs
 * installed, the operator running, a kubeconfig written) for trying Keyward without one. It stands
 * apart from {@code cli/} on purpose: it is the only code that starts an API server, so it alone
 * pulls in kube-api-test and its binaries, and the test fixture reuses {@link
 * dev.keyward.dev.LocalApiServer} for its real-server backend. The commands in {@code cli/} only
 * talk to a cluster that exists.
 */
package dev.keyward.dev;
