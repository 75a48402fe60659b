package deploy

// The Kubernetes manifests (deploy/k8s) are decoded into the real Kubernetes API
// types with unknown fields rejected, as the API server's strict validation does,
// and checked against what keygrid will do with them: every embedded configuration
// is loaded by keygrid's own parsers (server, sentinel, proxy) with the pod's
// arguments, and the ports, probes, DNS names and bootstrap settings must agree
// with it. No cluster is needed (none runs on CI); what a cluster would add, pods
// finding each other by DNS, is exercised by node's bootstrap tests.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keygrid/keygrid/engine/config"
	"github.com/keygrid/keygrid/internal/testutil"
	"github.com/keygrid/keygrid/proxy"
	"github.com/keygrid/keygrid/sentinel"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// k8sImage is what `make image` tags and the kustomization's images entry names.
const k8sImage = "keygrid:latest"

type manifests struct {
	configMaps   map[string]*corev1.ConfigMap
	services     map[string]*corev1.Service
	statefulSets map[string]*appsv1.StatefulSet
	deployments  map[string]*appsv1.Deployment
	pdbs         map[string]*policyv1.PodDisruptionBudget
}

// loadManifests decodes every document of every deploy/k8s/*.yaml but the
// kustomization, strictly.
func loadManifests(t *testing.T, dir string) (*manifests, []string) {
	t.Helper()
	m := &manifests{configMaps: map[string]*corev1.ConfigMap{}, services: map[string]*corev1.Service{},
		statefulSets: map[string]*appsv1.StatefulSet{}, deployments: map[string]*appsv1.Deployment{},
		pdbs: map[string]*policyv1.PodDisruptionBudget{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", dir, err)
	}
	var names []string
	for _, f := range files {
		base := filepath.Base(f)
		if base == "kustomization.yaml" {
			continue
		}
		names = append(names, base)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range splitYAML(data) {
			var tm struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s document %d: %v", base, i, err)
			}
			var obj any
			var name *string
			switch tm.APIVersion + " " + tm.Kind {
			case "v1 ConfigMap":
				o := &corev1.ConfigMap{}
				obj, name = o, &o.Name
				defer func() { m.configMaps[o.Name] = o }()
			case "v1 Service":
				o := &corev1.Service{}
				obj, name = o, &o.Name
				defer func() { m.services[o.Name] = o }()
			case "apps/v1 StatefulSet":
				o := &appsv1.StatefulSet{}
				obj, name = o, &o.Name
				defer func() { m.statefulSets[o.Name] = o }()
			case "apps/v1 Deployment":
				o := &appsv1.Deployment{}
				obj, name = o, &o.Name
				defer func() { m.deployments[o.Name] = o }()
			case "policy/v1 PodDisruptionBudget":
				o := &policyv1.PodDisruptionBudget{}
				obj, name = o, &o.Name
				defer func() { m.pdbs[o.Name] = o }()
			default:
				t.Fatalf("%s document %d: unexpected %s %s", base, i, tm.APIVersion, tm.Kind)
			}
			// Strict: an unknown or misspelled field is an error, as kubectl's
			// server-side field validation makes it.
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Fatalf("%s document %d (%s): %v", base, i, tm.Kind, err)
			}
			if *name == "" {
				t.Fatalf("%s document %d (%s) has no name", base, i, tm.Kind)
			}
		}
	}
	return m, names
}

// splitYAML splits a multi-document YAML file on its "---" lines.
func splitYAML(data []byte) [][]byte {
	var out [][]byte
	for _, d := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			out = append(out, d)
		}
	}
	return out
}

func stripComments(d []byte) []byte {
	var b bytes.Buffer
	for _, l := range bytes.Split(d, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			b.Write(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// podArgs returns c's arguments with $(POD_NAME) replaced by pod, as the kubelet
// expands them.
func podArgs(t *testing.T, c *corev1.Container, pod string) []string {
	var out []string
	for _, a := range c.Args {
		out = append(out, strings.ReplaceAll(a, "$(POD_NAME)", pod))
	}
	if slices.ContainsFunc(c.Args, func(a string) bool { return strings.Contains(a, "$(POD_NAME)") }) {
		ok := false
		for _, e := range c.Env {
			if e.Name == "POD_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("container %s uses $(POD_NAME) without the env var from metadata.name", c.Name)
		}
	}
	return out
}

// configFile writes the ConfigMap file a container reads at path to a temp file.
func (m *manifests) configFile(t *testing.T, spec *corev1.PodSpec, c *corev1.Container, path string) string {
	t.Helper()
	for _, vm := range c.VolumeMounts {
		if !strings.HasPrefix(path, vm.MountPath+"/") {
			continue
		}
		if !vm.ReadOnly {
			t.Errorf("container %s: config mount %s is not read-only", c.Name, vm.MountPath)
		}
		key := strings.TrimPrefix(path, vm.MountPath+"/")
		for _, v := range spec.Volumes {
			if v.Name != vm.Name || v.ConfigMap == nil {
				continue
			}
			for _, it := range v.ConfigMap.Items {
				if it.Path == key {
					key = it.Key
				}
			}
			cm := m.configMaps[v.ConfigMap.Name]
			if cm == nil {
				t.Fatalf("container %s: ConfigMap %s is missing", c.Name, v.ConfigMap.Name)
			}
			text, ok := cm.Data[key]
			if !ok {
				t.Fatalf("container %s: ConfigMap %s has no %s", c.Name, cm.Name, key)
			}
			f := filepath.Join(t.TempDir(), key)
			if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("container %s: nothing mounted at %s", c.Name, path)
	return ""
}

func containerPort(t *testing.T, c *corev1.Container, name string) int {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return int(p.ContainerPort)
		}
	}
	t.Fatalf("container %s has no port named %s", c.Name, name)
	return 0
}

// checkProbe wants `/keygrid health -p port` (plus want's extra arguments).
func checkProbe(t *testing.T, what string, p *corev1.Probe, port int, extra ...string) {
	t.Helper()
	if p == nil || p.Exec == nil {
		t.Errorf("%s: no exec probe", what)
		return
	}
	cmd := p.Exec.Command
	if len(cmd) < 2 || cmd[0] != "/keygrid" || cmd[1] != "health" {
		t.Errorf("%s: probe %v does not call `/keygrid health`", what, cmd)
		return
	}
	if i := slices.Index(cmd, "-p"); i < 0 || i+1 >= len(cmd) || cmd[i+1] != strconv.Itoa(port) {
		t.Errorf("%s: probe %v does not check port %d", what, cmd, port)
	}
	for _, e := range extra {
		if !slices.Contains(cmd, e) {
			t.Errorf("%s: probe %v lacks %s", what, cmd, e)
		}
	}
}

func selects(sel map[string]string, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestK8sManifests(t *testing.T) {
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "deploy", "k8s")
	m, files := loadManifests(t, dir)

	// The kustomization lists every manifest and renames the image keygrid only.
	var kust struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
		Images     []struct {
			Name    string `json:"name"`
			NewName string `json:"newName,omitempty"`
			NewTag  string `json:"newTag,omitempty"`
		} `json:"images"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if kust.Kind != "Kustomization" || !slices.Equal(slices.Sorted(slices.Values(kust.Resources)), files) {
		t.Errorf("kustomization: kind %q resources %v, want every manifest %v", kust.Kind, kust.Resources, files)
	}
	if len(kust.Images) != 1 || kust.Images[0].Name != strings.Split(k8sImage, ":")[0] {
		t.Errorf("kustomization images %+v: want one entry for %s", kust.Images, k8sImage)
	}

	type workload struct {
		kind, name string
		labels     map[string]string
		spec       *corev1.PodSpec
		replicas   int
		sts        *appsv1.StatefulSet
	}
	var all []workload
	for _, s := range m.statefulSets {
		all = append(all, workload{"StatefulSet", s.Name, s.Spec.Template.Labels, &s.Spec.Template.Spec, int(*s.Spec.Replicas), s})
		if !selects(s.Spec.Selector.MatchLabels, s.Spec.Template.Labels) {
			t.Errorf("StatefulSet %s: selector does not select its pods", s.Name)
		}
	}
	for _, d := range m.deployments {
		all = append(all, workload{"Deployment", d.Name, d.Spec.Template.Labels, &d.Spec.Template.Spec, int(*d.Spec.Replicas), nil})
		if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
			t.Errorf("Deployment %s: selector does not select its pods", d.Name)
		}
	}
	var sawCluster, sawSentinel, sawProxy bool
	for _, w := range all {
		for i := range w.spec.Containers {
			c := &w.spec.Containers[i]
			what := w.kind + " " + w.name
			if c.Image != k8sImage {
				t.Errorf("%s: image %q, want %q", what, c.Image, k8sImage)
			}
			if len(c.Args) == 0 {
				t.Fatalf("%s: no args", what)
			}
			if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("%s: the root filesystem should be read-only (everything is written to /data)", what)
			}
			pod := w.name + "-0"
			args := podArgs(t, c, pod)
			switch args[0] {
			case "server":
				f := m.configFile(t, w.spec, c, args[1])
				dataDir := swapDir(t, f)
				cfg, err := config.Load(f, args[2:])
				if err != nil {
					t.Fatalf("%s: keygrid server refuses its configuration: %v", what, err)
				}
				cfg.Dir = dataDir
				port := containerPort(t, c, "client")
				if cfg.Port != port {
					t.Errorf("%s: port %d, containerPort %d", what, cfg.Port, port)
				}
				checkProbe(t, what+" liveness", c.LivenessProbe, port)
				if cfg.MetricsPort != 0 && containerPort(t, c, "metrics") != cfg.MetricsPort {
					t.Errorf("%s: metrics-port %d is not its metrics containerPort", what, cfg.MetricsPort)
				}
				if w.sts == nil {
					t.Errorf("%s: a data node needs a StatefulSet (a stable name and volume)", what)
					continue
				}
				checkVolume(t, w.sts, c, cfg.Dir)
				if !cfg.ClusterEnabled {
					checkProbe(t, what+" readiness", c.ReadinessProbe, port)
					continue
				}
				sawCluster = true
				checkCluster(t, m, w.sts, c, cfg, args, port)
			case "sentinel":
				sawSentinel = true
				f := m.configFile(t, w.spec, c, args[1])
				cfg, err := sentinel.LoadConfig(f, args[2:])
				if err != nil {
					t.Fatalf("%s: keygrid sentinel refuses its configuration: %v", what, err)
				}
				port := containerPort(t, c, "sentinel")
				if cfg.Port != port {
					t.Errorf("%s: port %d, containerPort %d", what, cfg.Port, port)
				}
				// Raft shares the sentinel port unless `sentinel raft-port` gives it one.
				hasRaft := slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == "raft" })
				if cfg.RaftPort != 0 && (!hasRaft || containerPort(t, c, "raft") != cfg.RaftPort) {
					t.Errorf("%s: raft-port %d without a containerPort named raft for it", what, cfg.RaftPort)
				}
				if cfg.RaftPort == 0 && hasRaft {
					t.Errorf("%s: a containerPort named raft, but raft shares the sentinel port", what)
				}
				checkProbe(t, what+" liveness", c.LivenessProbe, port)
				checkProbe(t, what+" readiness", c.ReadinessProbe, port)
				if w.sts == nil {
					t.Fatalf("%s: sentinels keep raft state: a StatefulSet", what)
				}
				checkVolume(t, w.sts, c, cfg.Dir)
				if cfg.AnnounceIP != pod+"."+w.sts.Spec.ServiceName || !cfg.AnnounceHostnames || !cfg.ResolveHostnames {
					t.Errorf("%s: announce-ip %q (hostnames %v/%v), want the pod's DNS name", what, cfg.AnnounceIP, cfg.AnnounceHostnames, cfg.ResolveHostnames)
				}
				// raft-peers: every sentinel pod, by DNS name.
				var want []string
				for i := 0; i < w.replicas; i++ {
					want = append(want, fmt.Sprintf("%s-%d.%s:%d", w.name, i, w.sts.Spec.ServiceName, port))
				}
				if !slices.Equal(cfg.RaftPeers, want) {
					t.Errorf("%s: raft-peers %v, want %v", what, cfg.RaftPeers, want)
				}
				// The monitored master is a data pod that exists, on its port.
				for _, mc := range cfg.Masters {
					if !m.podExists(mc.Host, mc.Port) {
						t.Errorf("%s: monitors %s:%d, which is no pod of the manifests", what, mc.Host, mc.Port)
					}
					if mc.Quorum > w.replicas/2+1 || mc.Quorum < 1 {
						t.Errorf("%s: quorum %d with %d sentinels", what, mc.Quorum, w.replicas)
					}
				}
			case "proxy":
				sawProxy = true
				cfg, err := proxy.ParseArgs(args[1:])
				if err != nil {
					t.Fatalf("%s: keygrid proxy refuses its arguments: %v", what, err)
				}
				port := containerPort(t, c, "client")
				if cfg.Listen != ":"+strconv.Itoa(port) {
					t.Errorf("%s: listens on %q, containerPort %d", what, cfg.Listen, port)
				}
				checkProbe(t, what+" liveness", c.LivenessProbe, port)
				checkProbe(t, what+" readiness", c.ReadinessProbe, port)
				for _, s := range cfg.Seeds {
					h, p, _ := strings.Cut(s, ":")
					pn, _ := strconv.Atoi(p)
					if !m.podExists(h, pn) {
						t.Errorf("%s: seed %s is no pod of the manifests", what, s)
					}
				}
			default:
				t.Errorf("%s: unknown keygrid command %q", what, args[0])
			}
		}
	}
	if !sawCluster || !sawSentinel || !sawProxy {
		t.Errorf("want a cluster, a sentinel group and a proxy: %v %v %v", sawCluster, sawSentinel, sawProxy)
	}

	// Every Service selects pods that have the ports it targets.
	for _, s := range m.services {
		var pods []workload
		for _, w := range all {
			if selects(s.Spec.Selector, w.labels) {
				pods = append(pods, w)
			}
		}
		if len(pods) == 0 {
			t.Errorf("Service %s selects no pods", s.Name)
		}
		for _, sp := range s.Spec.Ports {
			for _, w := range pods {
				found := false
				for _, c := range w.spec.Containers {
					for _, cp := range c.Ports {
						if cp.Name == sp.TargetPort.String() || strconv.Itoa(int(cp.ContainerPort)) == sp.TargetPort.String() {
							found = found || cp.ContainerPort == sp.Port || s.Spec.ClusterIP != corev1.ClusterIPNone
						}
					}
				}
				if !found {
					t.Errorf("Service %s port %s: %s %s has no such port (a headless Service's port must be the container's)", s.Name, sp.Name, w.kind, w.name)
				}
			}
		}
	}
	for _, p := range m.pdbs {
		n := 0
		for _, w := range all {
			if selects(p.Spec.Selector.MatchLabels, w.labels) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("PodDisruptionBudget %s selects no pods", p.Name)
		}
	}
}

// swapDir points the dir directive of config file f at a temporary directory (the
// server changes into it while loading, and /data exists only in the pod) and
// returns the configured one.
func swapDir(t *testing.T, f string) string {
	t.Helper()
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := ""
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if fields := strings.Fields(l); len(fields) == 2 && fields[0] == "dir" {
			dir = fields[1]
			lines[i] = "dir " + t.TempDir()
		}
	}
	if dir == "" {
		t.Fatalf("%s: no dir directive (the data must be on the pod's volume)", f)
	}
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func cmp(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

// podExists reports whether host is "<statefulset>-<i>.<service>" of the manifests
// with i below its replicas, and port one of that pod's container ports.
func (m *manifests) podExists(host string, port int) bool {
	pod, svc, ok := strings.Cut(host, ".")
	if !ok {
		return false
	}
	for _, s := range m.statefulSets {
		if s.Spec.ServiceName != svc || m.services[svc] == nil {
			continue
		}
		i, err := strconv.Atoi(strings.TrimPrefix(pod, s.Name+"-"))
		if !strings.HasPrefix(pod, s.Name+"-") || err != nil || i < 0 || i >= int(*s.Spec.Replicas) {
			continue
		}
		for _, c := range s.Spec.Template.Spec.Containers {
			for _, cp := range c.Ports {
				if int(cp.ContainerPort) == port {
					return true
				}
			}
		}
	}
	return false
}

// checkVolume wants dir on a volume claim template of sts.
func checkVolume(t *testing.T, sts *appsv1.StatefulSet, c *corev1.Container, dir string) {
	t.Helper()
	for _, vm := range c.VolumeMounts {
		if vm.MountPath != dir {
			continue
		}
		for _, pvc := range sts.Spec.VolumeClaimTemplates {
			if pvc.Name == vm.Name {
				return
			}
		}
	}
	t.Errorf("StatefulSet %s: dir %s is not on a volume claim template", sts.Name, dir)
}

// checkCluster checks a cluster StatefulSet against its configuration.
func checkCluster(t *testing.T, m *manifests, sts *appsv1.StatefulSet, c *corev1.Container, cfg *config.Config, args []string, port int) {
	t.Helper()
	what := "StatefulSet " + sts.Name
	bus := cmp(cfg.ClusterPort, port+10000)
	if containerPort(t, c, "bus") != bus {
		t.Errorf("%s: the bus port %d is not its bus containerPort", what, bus)
	}
	checkProbe(t, what+" readiness", c.ReadinessProbe, port, "--cluster")
	if sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("%s: podManagementPolicy %q: the bootstrap needs every pod started, not one Ready after the other", what, sts.Spec.PodManagementPolicy)
	}
	svc := m.services[sts.Spec.ServiceName]
	if svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses {
		t.Fatalf("%s: service %q must be headless and publish not-ready pods (they find each other before they are ready)", what, sts.Spec.ServiceName)
	}
	if cfg.ClusterBootstrapSize != int(*sts.Spec.Replicas) {
		t.Errorf("%s: cluster-bootstrap-size %d, replicas %d", what, cfg.ClusterBootstrapSize, *sts.Spec.Replicas)
	}
	seeds, msg := config.ParseSeeds(cfg.ClusterBootstrapSeeds)
	if msg != "" || len(seeds) != 1 || seeds[0].Host != svc.Name || (seeds[0].Port != 0 && seeds[0].Port != port) {
		t.Errorf("%s: cluster-bootstrap-seeds %q, want the headless service %q", what, cfg.ClusterBootstrapSeeds, svc.Name)
	}
	if cfg.ClusterAnnounceHostname != sts.Name+"-0."+svc.Name {
		t.Errorf("%s: cluster-announce-hostname %q for pod 0, want its DNS name", what, cfg.ClusterAnnounceHostname)
	}
	if l := c.Lifecycle; l == nil || l.PreStop == nil || l.PreStop.Exec == nil ||
		!slices.Equal(l.PreStop.Exec.Command[:2], []string{"/keygrid", "handoff"}) ||
		!slices.Contains(l.PreStop.Exec.Command, strconv.Itoa(port)) {
		t.Errorf("%s: preStop must be `/keygrid handoff -p %d` (a master hands its slots to a replica)", what, port)
	}
	if sts.Spec.Template.Spec.Affinity == nil || sts.Spec.Template.Spec.Affinity.PodAntiAffinity == nil {
		t.Errorf("%s: no pod anti-affinity", what)
	}
	pdb := false
	for _, p := range m.pdbs {
		pdb = pdb || selects(p.Spec.Selector.MatchLabels, sts.Spec.Template.Labels)
	}
	if !pdb {
		t.Errorf("%s: no PodDisruptionBudget", what)
	}
}

// The optional monitoring overlay: each ServiceMonitor (a CRD, decoded strictly into
// the fields it may have) selects a Service of the base with the port it scrapes,
// and every metric the Grafana dashboard queries is one keygrid exports (the names
// registered in node/, proxy/ and sentinel/ sources).
func TestK8sMonitoring(t *testing.T) {
	root, err := testutil.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := loadManifests(t, filepath.Join(root, "deploy", "k8s"))
	dir := filepath.Join(root, "deploy", "k8s", "monitoring")
	data, err := os.ReadFile(filepath.Join(dir, "servicemonitor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range splitYAML(data) {
		var sm struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name   string            `json:"name"`
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				Selector struct {
					MatchLabels map[string]string `json:"matchLabels"`
				} `json:"selector"`
				Endpoints []struct {
					Port     string `json:"port"`
					Path     string `json:"path"`
					Interval string `json:"interval"`
				} `json:"endpoints"`
			} `json:"spec"`
		}
		if err := yaml.UnmarshalStrict(doc, &sm); err != nil {
			t.Fatalf("servicemonitor.yaml document %d: %v", i, err)
		}
		if sm.APIVersion != "monitoring.coreos.com/v1" || sm.Kind != "ServiceMonitor" || len(sm.Spec.Endpoints) == 0 {
			t.Fatalf("document %d: %s %s with %d endpoints", i, sm.APIVersion, sm.Kind, len(sm.Spec.Endpoints))
		}
		n := 0
		for _, svc := range base.services {
			if !selects(sm.Spec.Selector.MatchLabels, svc.Labels) {
				continue
			}
			n++
			for _, ep := range sm.Spec.Endpoints {
				if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
					t.Errorf("ServiceMonitor %s: Service %s has no port %q", sm.Metadata.Name, svc.Name, ep.Port)
				}
			}
		}
		if n == 0 {
			t.Errorf("ServiceMonitor %s selects no Service", sm.Metadata.Name)
		}
	}

	// The metric names keygrid registers: node/metrics.go prefixes keygrid_ to
	// d("name", ...); proxy and sentinel spell them out.
	exported := map[string]bool{}
	for _, f := range []string{"node/metrics.go", "proxy/metrics.go", "sentinel/metrics.go"} {
		src, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(keygrid_[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
			exported[m[1]] = true
		}
		for _, m := range regexp.MustCompile(`\bd\("([a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
			exported["keygrid_"+m[1]] = true
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	queried := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range regexp.MustCompile(`keygrid_[a-z_]+`).FindAllString(tg.Expr, -1) {
				queried++
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
				if !exported[name] && !exported[base] {
					t.Errorf("panel %q queries %s, which keygrid does not export", p.Title, name)
				}
			}
		}
	}
	if queried == 0 {
		t.Error("the dashboard queries no keygrid metric")
	}
}
