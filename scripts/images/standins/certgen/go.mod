module shopscope.local/standins/kube-webhook-certgen

go 1.25
