package app_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/fiveapis/backend/cmd/server/app"
)

// k8sObjects is deploy/k8s built by kustomize, each object decoded strictly
// into its Kubernetes API type (an unknown or misspelt field fails), by kind.
type k8sObjects struct {
	deployments  []appsv1.Deployment
	statefulSets []appsv1.StatefulSet
	services     []corev1.Service
	configMaps   []corev1.ConfigMap
	secrets      []corev1.Secret
	pdbs         []policyv1.PodDisruptionBudget
	pvcs         []corev1.PersistentVolumeClaim
	namespaces   []corev1.Namespace
}

func buildK8s(t *testing.T) k8sObjects {
	t.Helper()
	dir, err := filepath.Abs("../../../deploy/k8s")
	if err != nil {
		t.Fatal(err)
	}
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build deploy/k8s: %v", err)
	}
	var objs k8sObjects
	for _, r := range rm.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		name := r.GetKind() + "/" + r.GetName()
		switch r.GetKind() {
		case "Deployment":
			objs.deployments = append(objs.deployments, decodeStrict[appsv1.Deployment](t, name, y))
		case "StatefulSet":
			objs.statefulSets = append(objs.statefulSets, decodeStrict[appsv1.StatefulSet](t, name, y))
		case "Service":
			objs.services = append(objs.services, decodeStrict[corev1.Service](t, name, y))
		case "ConfigMap":
			objs.configMaps = append(objs.configMaps, decodeStrict[corev1.ConfigMap](t, name, y))
		case "Secret":
			objs.secrets = append(objs.secrets, decodeStrict[corev1.Secret](t, name, y))
		case "PodDisruptionBudget":
			objs.pdbs = append(objs.pdbs, decodeStrict[policyv1.PodDisruptionBudget](t, name, y))
		case "PersistentVolumeClaim":
			objs.pvcs = append(objs.pvcs, decodeStrict[corev1.PersistentVolumeClaim](t, name, y))
		case "Namespace":
			objs.namespaces = append(objs.namespaces, decodeStrict[corev1.Namespace](t, name, y))
		default:
			t.Errorf("%s: a kind this test does not validate", name)
		}
		if r.GetKind() != "Namespace" && r.GetNamespace() != "fiveapis" {
			t.Errorf("%s: namespace %q", name, r.GetNamespace())
		}
	}
	return objs
}

// decodeStrict decodes the YAML of object name into its API type T; an
// unknown or misspelt field is an error.
func decodeStrict[T any](t *testing.T, name string, y []byte) T {
	t.Helper()
	var o T
	if err := yaml.UnmarshalStrict(y, &o); err != nil {
		t.Errorf("%s: %v", name, err)
	}
	return o
}

// podTemplates are the pod templates of every workload, by workload name.
func (o k8sObjects) podTemplates() map[string]corev1.PodTemplateSpec {
	out := map[string]corev1.PodTemplateSpec{}
	for _, d := range o.deployments {
		out["Deployment/"+d.Name] = d.Spec.Template
	}
	for _, s := range o.statefulSets {
		out["StatefulSet/"+s.Name] = s.Spec.Template
	}
	return out
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestKubernetesManifests validates deploy/k8s as the suite can without a
// cluster: kustomize builds it; every object decodes strictly into its API
// type; every workload's selector matches its pods, every container has
// probes and every Service and PodDisruptionBudget selects some pods; the
// servers probe /livez and /readyz, read only settings the server knows,
// and take their share of the connection budget within PostgreSQL's
// max_connections with a rolling update's surge; every referenced ConfigMap,
// Secret key and claim exists.
func TestKubernetesManifests(t *testing.T) {
	t.Parallel()
	objs := buildK8s(t)
	pods := objs.podTemplates()
	if len(pods) < 5 {
		t.Fatalf("workloads %v", slices.Collect(maps.Keys(pods)))
	}
	t.Run("workloads select their pods and probe every container", func(t *testing.T) {
		for _, d := range objs.deployments {
			if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
				t.Errorf("Deployment/%s: selector does not match its pods", d.Name)
			}
		}
		for _, s := range objs.statefulSets {
			if !selects(s.Spec.Selector.MatchLabels, s.Spec.Template.Labels) {
				t.Errorf("StatefulSet/%s: selector does not match its pods", s.Name)
			}
		}
		for name, p := range pods {
			for _, c := range p.Spec.Containers {
				if c.ReadinessProbe == nil || c.Image == "" {
					t.Errorf("%s/%s: no readiness probe or image", name, c.Name)
				}
			}
		}
	})
	t.Run("services and disruption budgets select pods", func(t *testing.T) {
		for _, s := range objs.services {
			if !slices.ContainsFunc(slices.Collect(maps.Values(pods)), func(p corev1.PodTemplateSpec) bool { return selects(s.Spec.Selector, p.Labels) }) {
				t.Errorf("Service/%s selects no pods", s.Name)
			}
		}
		for _, b := range objs.pdbs {
			if !slices.ContainsFunc(slices.Collect(maps.Values(pods)), func(p corev1.PodTemplateSpec) bool { return selects(b.Spec.Selector.MatchLabels, p.Labels) }) {
				t.Errorf("PodDisruptionBudget/%s selects no pods", b.Name)
			}
		}
	})
	server, ok := pods["Deployment/server"]
	if !ok {
		t.Fatal("no Deployment/server")
	}
	c := server.Spec.Containers[0]
	t.Run("servers probe livez and readyz", func(t *testing.T) {
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/livez" {
			t.Errorf("liveness probe %+v", c.LivenessProbe)
		}
		if c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			t.Errorf("readiness probe %+v", c.ReadinessProbe)
		}
	})
	config := map[string]string{}
	t.Run("settings and secrets exist and are the server's", func(t *testing.T) {
		known, err := app.ConfigKeys()
		if err != nil {
			t.Fatal(err)
		}
		for _, from := range c.EnvFrom {
			if from.ConfigMapRef == nil {
				continue
			}
			i := slices.IndexFunc(objs.configMaps, func(m corev1.ConfigMap) bool { return m.Name == from.ConfigMapRef.Name })
			if i < 0 {
				t.Fatalf("ConfigMap %s is missing", from.ConfigMapRef.Name)
			}
			for k, v := range objs.configMaps[i].Data {
				config[k] = v
				if !slices.Contains(known, k) {
					t.Errorf("ConfigMap %s sets %s, which the server does not read", from.ConfigMapRef.Name, k)
				}
			}
		}
		for _, e := range c.Env {
			if !slices.Contains(known, e.Name) {
				t.Errorf("env %s: the server does not read it", e.Name)
			}
		}
		for name, p := range pods {
			for _, ct := range p.Spec.Containers {
				for _, e := range ct.Env {
					if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
						continue
					}
					ref := e.ValueFrom.SecretKeyRef
					i := slices.IndexFunc(objs.secrets, func(s corev1.Secret) bool { return s.Name == ref.Name })
					if i < 0 {
						t.Errorf("%s: Secret %s is missing", name, ref.Name)
					} else if _, ok := objs.secrets[i].StringData[ref.Key]; !ok {
						t.Errorf("%s: Secret %s has no key %s", name, ref.Name, ref.Key)
					}
				}
			}
			for _, v := range p.Spec.Volumes {
				if v.PersistentVolumeClaim != nil && !slices.ContainsFunc(objs.pvcs, func(c corev1.PersistentVolumeClaim) bool { return c.Name == v.PersistentVolumeClaim.ClaimName }) {
					t.Errorf("%s: claim %s is missing", name, v.PersistentVolumeClaim.ClaimName)
				}
			}
		}
	})
	t.Run("files are shared by every replica", func(t *testing.T) {
		for _, v := range server.Spec.Volumes {
			if v.PersistentVolumeClaim == nil {
				continue
			}
			for _, pvc := range objs.pvcs {
				if pvc.Name == v.PersistentVolumeClaim.ClaimName && !slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany) {
					t.Errorf("claim %s is not ReadWriteMany: replicas would not share files", pvc.Name)
				}
			}
		}
	})
	t.Run("connection budget", func(t *testing.T) {
		var replicas, surge int
		for _, d := range objs.deployments {
			if d.Name == "server" {
				replicas = int(*d.Spec.Replicas)
				surge = d.Spec.Strategy.RollingUpdate.MaxSurge.IntValue()
			}
		}
		pool, _ := strconv.Atoi(config["DB_POOL_MAX_CONNS"])
		engine, _ := strconv.Atoi(config["DB_ENGINE_MAX_CONNS"])
		perProcess := pool + engine + 2 // docs/runbook.md, "Connection budget"
		maxConns := 100
		for _, s := range objs.statefulSets {
			if s.Name != "postgres" {
				continue
			}
			for i, a := range s.Spec.Template.Spec.Containers[0].Args {
				if a == "-c" && i+1 < len(s.Spec.Template.Spec.Containers[0].Args) {
					if v, ok := strings.CutPrefix(s.Spec.Template.Spec.Containers[0].Args[i+1], "max_connections="); ok {
						maxConns, _ = strconv.Atoi(v)
					}
				}
			}
		}
		const tools = 30 // logctl (up to 24 with rebuild -run), psql, superuser reserve
		if need := (replicas+surge)*perProcess + tools; pool == 0 || engine == 0 || need > maxConns {
			t.Errorf("%d+%d servers × %d connections + %d for tools = %d > max_connections %d", replicas, surge, perProcess, tools, need, maxConns)
		}
	})
}

// TestComposeFile checks deploy/compose.yaml for what scaling out needs: the
// servers publish no fixed host port (a proxy does), share one files volume,
// and get no public default secret; `docker compose config` validates the
// file where the docker compose plugin exists.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Ports       []string          `json:"ports"`
			Volumes     []string          `json:"volumes"`
			Environment map[string]string `json:"environment"`
			Healthcheck *struct {
				Test []string `json:"test"`
			} `json:"healthcheck"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	server, ok := compose.Services["server"]
	if !ok {
		t.Fatal("no server service")
	}
	if len(server.Ports) > 0 {
		t.Errorf("server publishes %v: --scale server=3 would clash on the host port", server.Ports)
	}
	if !slices.ContainsFunc(server.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/app/var") }) {
		t.Errorf("server volumes %v: no shared volume for DATA_DIR", server.Volumes)
	}
	if v := server.Environment["SECRET_KEY"]; strings.Contains(v, ":-") && !strings.HasSuffix(v, ":-}") {
		t.Errorf("SECRET_KEY %q has a public default", v)
	}
	for name, s := range compose.Services {
		if s.Healthcheck == nil && name != "proxy" {
			t.Errorf("service %s has no healthcheck", name)
		}
	}
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err != nil {
		t.Logf("docker compose not available (%v: %s): validated by parsing only", err, strings.TrimSpace(string(out)))
		return
	}
	cmd := exec.Command("docker", "compose", "-f", "../../../deploy/compose.yaml", "config", "-q")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docker compose config: %v\n%s", err, out)
	}
}
