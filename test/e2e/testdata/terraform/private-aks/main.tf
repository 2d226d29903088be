# A private AKS cluster as the private-cluster document builds it, in
# Terraform: the cluster in a VNet of its own with advanced networking, a
# jump box in a second VNet, the VNets peered both ways, and the jump box's
# VNet linked to the cluster's private DNS zone. A second private cluster
# uses a zone of the user's, written through a user-assigned identity that
# holds the roles AKS checks; a third has no private zone at all.
terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "5.2.0"
    }
  }
}

# A new subscription has Microsoft.Network and Microsoft.ContainerService
# unregistered, on aksbox as on Azure: the provider registers them. The
# document's preview feature AKSPrivateLinkPreview is registered outside
# Terraform (aksbox feature register), as the document does: once registered
# it cannot be unregistered, so an azurerm_resource_provider_feature_registration
# for it could never be destroyed.
provider "azurerm" {
  features {}
  resource_providers_to_register = ["Microsoft.ContainerService", "Microsoft.Network"]
}

variable "ssh_public_key" {
  type = string
}

variable "node_count" {
  type    = number
  default = 1
}

variable "location" {
  type    = string
  default = "westus2"
}

resource "azurerm_resource_group" "aks" {
  name     = "tf-aks"
  location = var.location
}

resource "azurerm_virtual_network" "cluster" {
  name                = "cluster-vnet"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = azurerm_resource_group.aks.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = ["10.1.1.0/24"]
}

resource "azurerm_subnet" "byo_nodes" {
  name                 = "byo-nodes"
  resource_group_name  = azurerm_resource_group.aks.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = ["10.1.2.0/24"]
}

resource "azurerm_kubernetes_cluster" "private" {
  name                    = "private"
  location                = azurerm_resource_group.aks.location
  resource_group_name     = azurerm_resource_group.aks.name
  dns_prefix              = "private"
  private_cluster_enabled = true
  private_dns_zone_id     = "System"

  default_node_pool {
    name           = "nodepool1"
    node_count     = var.node_count
    vm_size        = "Standard_DS2_v2"
    vnet_subnet_id = azurerm_subnet.nodes.id
  }

  identity {
    type = "SystemAssigned"
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  linux_profile {
    admin_username = "azureuser"
    ssh_key {
      key_data = var.ssh_public_key
    }
  }

  # A planned maintenance window: a maintenance configuration of the
  # cluster, stored and read back.
  maintenance_window {
    allowed {
      day   = "Saturday"
      hours = [1, 2]
    }
  }

  # The document's advanced-networking values.
  network_profile {
    network_plugin    = "azure"
    load_balancer_sku = "standard"
    service_cidr      = "10.2.0.0/24"
    dns_service_ip    = "10.2.0.10"
  }
}

# No private zone at all: the nodes and kubeconfigs use the public FQDN,
# which Azure's public DNS answers with the private endpoint's address. The
# provider sends enablePrivateClusterPublicFQDN false unless told, and AKS
# refuses "None" without it.
resource "azurerm_subnet" "none_nodes" {
  name                 = "none-nodes"
  resource_group_name  = azurerm_resource_group.aks.name
  virtual_network_name = azurerm_virtual_network.cluster.name
  address_prefixes     = ["10.1.3.0/24"]
}

resource "azurerm_kubernetes_cluster" "none" {
  name                    = "none"
  location                = azurerm_resource_group.aks.location
  resource_group_name     = azurerm_resource_group.aks.name
  dns_prefix              = "none"
  private_cluster_enabled = true
  private_dns_zone_id     = "None"

  private_cluster_public_fqdn_enabled = true

  default_node_pool {
    name           = "nodepool1"
    node_count     = 1
    vm_size        = "Standard_DS2_v2"
    vnet_subnet_id = azurerm_subnet.none_nodes.id
  }

  identity {
    type = "SystemAssigned"
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  network_profile {
    network_plugin    = "azure"
    load_balancer_sku = "standard"
    service_cidr      = "10.4.0.0/24"
    dns_service_ip    = "10.4.0.10"
  }
}

# A zone of the user's (a subzone, so it does not overlap the system zone
# <guid>.privatelink.<region>.azmk8s.io of the other cluster, linked to the
# same VNets): the cluster runs as a user-assigned identity that
# holds Private DNS Zone Contributor on the zone and Network Contributor on
# the VNet, as AKS requires.
resource "azurerm_private_dns_zone" "byo" {
  name                = "byo.privatelink.${var.location}.azmk8s.io"
  resource_group_name = azurerm_resource_group.aks.name
}

resource "azurerm_user_assigned_identity" "byo" {
  name                = "aks-byo"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
}

resource "azurerm_role_assignment" "byo_zone" {
  scope                = azurerm_private_dns_zone.byo.id
  role_definition_name = "Private DNS Zone Contributor"
  principal_id         = azurerm_user_assigned_identity.byo.principal_id
}

resource "azurerm_role_assignment" "byo_vnet" {
  scope                = azurerm_virtual_network.cluster.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_user_assigned_identity.byo.principal_id
}

resource "azurerm_kubernetes_cluster" "byo" {
  name                       = "byo"
  location                   = azurerm_resource_group.aks.location
  resource_group_name        = azurerm_resource_group.aks.name
  dns_prefix_private_cluster = "byo"
  private_cluster_enabled    = true
  private_dns_zone_id        = azurerm_private_dns_zone.byo.id

  default_node_pool {
    name           = "nodepool1"
    node_count     = 1
    vm_size        = "Standard_DS2_v2"
    vnet_subnet_id = azurerm_subnet.byo_nodes.id
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.byo.id]
  }

  node_provisioning_profile {
    mode = "Manual"
  }

  network_profile {
    network_plugin    = "azure"
    load_balancer_sku = "standard"
    service_cidr      = "10.3.0.0/24"
    dns_service_ip    = "10.3.0.10"
  }

  depends_on = [azurerm_role_assignment.byo_zone, azurerm_role_assignment.byo_vnet]
}

# The jump box in a VNet of its own, with a public IP to SSH to.
resource "azurerm_virtual_network" "jump" {
  name                = "jump-vnet"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  address_space       = ["10.5.0.0/16"]
}

resource "azurerm_subnet" "jump" {
  name                 = "default"
  resource_group_name  = azurerm_resource_group.aks.name
  virtual_network_name = azurerm_virtual_network.jump.name
  address_prefixes     = ["10.5.1.0/24"]
}

resource "azurerm_public_ip" "jump" {
  name                = "jump-ip"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_network_interface" "jump" {
  name                = "jump-nic"
  location            = azurerm_resource_group.aks.location
  resource_group_name = azurerm_resource_group.aks.name

  ip_configuration {
    name                          = "ipconfig1"
    subnet_id                     = azurerm_subnet.jump.id
    private_ip_address_allocation = "Dynamic"
    public_ip_address_id          = azurerm_public_ip.jump.id
  }
}

resource "azurerm_linux_virtual_machine" "jump" {
  name                  = "jump"
  location              = azurerm_resource_group.aks.location
  resource_group_name   = azurerm_resource_group.aks.name
  size                  = "Standard_B1s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.jump.id]

  admin_ssh_key {
    username   = "azureuser"
    public_key = var.ssh_public_key
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}

# Peering both ways, and the jump box's VNet linked to the clusters' zones.
resource "azurerm_virtual_network_peering" "jump_to_cluster" {
  name                      = "jump-to-cluster"
  resource_group_name       = azurerm_resource_group.aks.name
  virtual_network_name      = azurerm_virtual_network.jump.name
  remote_virtual_network_id = azurerm_virtual_network.cluster.id
}

resource "azurerm_virtual_network_peering" "cluster_to_jump" {
  name                      = "cluster-to-jump"
  resource_group_name       = azurerm_resource_group.aks.name
  virtual_network_name      = azurerm_virtual_network.cluster.name
  remote_virtual_network_id = azurerm_virtual_network.jump.id
}

# The zone's ID from the cluster's attributes: its name is the private FQDN
# less the first label, in the node resource group. (A data source would
# be read again after every change of the cluster, and the link replaced.)
locals {
  fqdn_labels  = split(".", azurerm_kubernetes_cluster.private.private_fqdn)
  private_zone = join(".", slice(local.fqdn_labels, 1, length(local.fqdn_labels)))
}

resource "azurerm_private_dns_zone_virtual_network_link" "jump" {
  name                = "jump-link"
  private_dns_zone_id = "${azurerm_kubernetes_cluster.private.node_resource_group_id}/providers/Microsoft.Network/privateDnsZones/${local.private_zone}"
  virtual_network_id  = azurerm_virtual_network.jump.id
}

resource "azurerm_private_dns_zone_virtual_network_link" "byo_jump" {
  name                = "jump-link"
  private_dns_zone_id = azurerm_private_dns_zone.byo.id
  virtual_network_id  = azurerm_virtual_network.jump.id
}

output "private_fqdn" {
  value = azurerm_kubernetes_cluster.private.private_fqdn
}

output "byo_private_fqdn" {
  value = azurerm_kubernetes_cluster.byo.private_fqdn
}

output "node_resource_group" {
  value = azurerm_kubernetes_cluster.private.node_resource_group
}

output "jump_ip" {
  value = azurerm_public_ip.jump.ip_address
}

output "kube_config_raw" {
  value     = azurerm_kubernetes_cluster.private.kube_config_raw
  sensitive = true
}

output "none_fqdn" {
  value = azurerm_kubernetes_cluster.none.fqdn
}

output "none_kube_config_raw" {
  value     = azurerm_kubernetes_cluster.none.kube_config_raw
  sensitive = true
}

output "byo_kube_config_raw" {
  value     = azurerm_kubernetes_cluster.byo.kube_config_raw
  sensitive = true
}
