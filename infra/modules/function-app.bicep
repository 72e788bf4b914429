// The Flex Consumption (FC1) plan and the Linux Python function app. Every connection is identity-based:
// the app runs as a user-assigned identity and no setting carries a key or an account connection string.

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app (also its host name: <name>.azurewebsites.net).')
param name string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app (the app also gets the azd service tag).')
param tags object

@description('azd service name of the app (azure.yaml `services` key); azd finds the app by this tag.')
param serviceName string

@description('Largest number of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (the `__clientId` of identity-based connections).')
param identityClientId string

@description('Name of the storage account for the runtime, the task hub and the workflows\' blobs.')
param storageAccountName string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component that receives telemetry.')
param applicationInsightsName string

@description('App settings of the workflows themselves (task hub, thresholds) as name/value pairs; the module adds the connection settings.')
param appSettings array

resource storageAccount 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// The Python version the app is tested on (tests/infra checks it against pyproject.toml).
var pythonVersion = '3.11'

// `<connection>__credential` + `__clientId` make the Functions host and the Azure SDKs sign in as the
// user-assigned identity; the service URIs come from the account, so they are right in every cloud.
var blobEndpoint = storageAccount.properties.primaryEndpoints.blob
var connectionSettings = [
  { name: 'AzureWebJobsStorage__blobServiceUri', value: blobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storageAccount.properties.primaryEndpoints.queue }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storageAccount.properties.primaryEndpoints.table }
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
  { name: 'WorkflowStorage__blobServiceUri', value: blobEndpoint }
  { name: 'WorkflowStorage__credential', value: 'managedidentity' }
  { name: 'WorkflowStorage__clientId', value: identityClientId }
  // The connection string only locates the component (it holds no secret); ingestion is authorised
  // with the identity's Entra token because the component has local auth disabled.
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: zone redundancy on Flex Consumption keeps at least two always-ready instances per function group, billed even when idle; this deployment scales to zero
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: the workflows' HTTP API is public by design and every route needs a function key (auth level FUNCTION); private endpoints come with the optional VNet integration
  // checkov:skip=CKV_AZURE_17: callers authenticate with function keys, not client certificates (mTLS would break the documented curl and azd flows)
  // checkov:skip=CKV_AZURE_212: siteConfig.numberOfWorkers does not apply to Flex Consumption, which scales instances per function (functionAppConfig.scaleAndConcurrency)
  // checkov:skip=CKV_AZURE_213: the platform health check (siteConfig.healthCheckPath) is not supported on Flex Consumption
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: concat(appSettings, connectionSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
    }
  }
}

// Publishing uses Entra ID (azd, Core Tools, az CLI): basic-auth FTP and SCM credentials are switched off.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Default host name of the function app.')
output defaultHostName string = functionApp.properties.defaultHostName
