# A private cluster whose network profile comes from variables, to try
# values Azure refuses: the apply fails with ARM's code and message, the
# cluster is not made, and an apply with good values converges.
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "5.2.0"
    }
  }
}

provider "azurerm" {
  features {}
  resource_providers_to_register = ["Microsoft.ContainerService", "Microsoft.Network"]
}

variable "load_balancer_sku" {
  type    = string
  default = "standard"
}

variable "service_cidr" {
  type    = string
  default = "10.2.0.0/24"
}

variable "dns_service_ip" {
  type    = string
  default = "10.2.0.10"
}

resource "azurerm_resource_group" "bad" {
  name     = "tf-bad"
  location = "westus2"
}

resource "azurerm_virtual_network" "bad" {
  name                = "bad-vnet"
  location            = azurerm_resource_group.bad.location
  resource_group_name = azurerm_resource_group.bad.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = azurerm_resource_group.bad.name
  virtual_network_name = azurerm_virtual_network.bad.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_kubernetes_cluster" "bad" {
  name                    = "bad"
  location                = azurerm_resource_group.bad.location
  resource_group_name     = azurerm_resource_group.bad.name
  dns_prefix              = "bad"
  private_cluster_enabled = true

  default_node_pool {
    name           = "nodepool1"
    node_count     = 1
    vm_size        = "Standard_DS2_v2"
    vnet_subnet_id = azurerm_subnet.nodes.id
  }

  identity {
    type = "SystemAssigned"
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  network_profile {
    network_plugin    = "azure"
    load_balancer_sku = var.load_balancer_sku
    service_cidr      = var.service_cidr
    dns_service_ip    = var.dns_service_ip
  }
}
