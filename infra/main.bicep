// Durable Workflows on Azure: a Flex Consumption Python function app that reaches its storage account and
// Application Insights with a user-assigned managed identity only. Deploy with `azd up` or
// `az deployment group create` (see infra/README.md); the outputs feed azd and the README's commands.
targetScope = 'resourceGroup'

@description('Name of the environment (azd env name, e.g. dev): tags the resources and seeds their unique names and the task hub name.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = resourceGroup().location

@description('Object id of a user or service principal that also gets the storage data roles (to inspect blobs, queues and the task hub tables); empty grants nothing.')
param principalId string = ''

@description('Kind of principal `principalId` is.')
@allowed([
  'Group'
  'ServicePrincipal'
  'User'
])
param principalType string = 'User'

@description('Orders above this amount go through the approval workflow (app setting APPROVAL_THRESHOLD).')
param approvalThreshold string = '1000'

@description('Finished workflow instances older than this many days are purged (app setting RETENTION_DAYS).')
param retentionDays string = '30'

@description('Largest number of instances the function app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each function app instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// azd service name in azure.yaml; azd deploys the code to the app carrying this tag.
var apiServiceName = 'api'
var functionAppName = '${abbrs.webSitesFunctions}${apiServiceName}-${resourceToken}'
var deploymentContainerName = 'app-package'
// The containers the workflows write to (activities/blob_store.py) and the default ingestion input.
var workflowContainerNames = [
  'receipts'
  'payments'
  'shipments'
  'notifications'
  'ingestion-input'
  'ingestion-output'
  'telemetry'
]

// Task hub (TASKHUB_NAME): letters and digits, starts with a letter, 3-45 characters, unique per environment.
var taskHubName = 'wf${resourceToken}'

// Built-in role definition ids: exactly what the app needs, nothing broader.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var storageDataRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${apiServiceName}-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    containerNames: concat([deploymentContainerName], workflowContainerNames)
  }
}

module appRoles 'modules/role-assignments.bicep' = {
  name: 'app-roles'
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    storageAccountName: storage.outputs.name
    storageRoleDefinitionIds: storageDataRoles
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    applicationInsightsRoleDefinitionIds: [
      monitoringMetricsPublisher
    ]
  }
}

module developerRoles 'modules/role-assignments.bicep' = if (!empty(principalId)) {
  name: 'developer-roles'
  params: {
    principalId: principalId
    principalType: principalType
    storageAccountName: storage.outputs.name
    storageRoleDefinitionIds: storageDataRoles
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module api 'modules/function-app.bicep' = {
  name: 'api'
  params: {
    planName: '${abbrs.webServerFarms}${resourceToken}'
    name: functionAppName
    location: location
    tags: tags
    serviceName: apiServiceName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    appSettings: [
      { name: 'TASKHUB_NAME', value: taskHubName }
      { name: 'APPROVAL_THRESHOLD', value: approvalThreshold }
      { name: 'RETENTION_DAYS', value: retentionDays }
    ]
  }
  // The host signs in as the identity at start-up: give it its roles first.
  dependsOn: [
    appRoles
  ]
}

@description('Tenant of the deployment.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Region of the resources.')
output AZURE_LOCATION string = location

@description('Resource group that holds everything (delete it to tear the deployment down).')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Name of the function app (azd service `api`).')
output SERVICE_API_NAME string = api.outputs.name

@description('Base URL of the function app; HTTP routes are under /api.')
output SERVICE_API_URI string = 'https://${api.outputs.defaultHostName}'

@description('Storage account of the runtime, the task hub and the workflows\' blobs.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob endpoint of that account.')
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Durable task hub name (app setting TASKHUB_NAME).')
output TASKHUB_NAME string = taskHubName

@description('Application Insights component that receives the app\'s telemetry.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName

@description('Client id of the app\'s user-assigned identity.')
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
