DROP TABLE IF EXISTS sni_endpoints;
